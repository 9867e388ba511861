package dev.cryptopipe.local.bench;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts the AWS calls of this JVM by service and operation, and the time each spends on the
 * wire, while a recording is open. Registered for every SDK client on the local classpath by
 * {@code software/amazon/awssdk/global/handlers/execution.interceptors} (never in a function jar);
 * with no recording open it does nothing.
 */
public final class CallCounter implements ExecutionInterceptor {
    private static final ExecutionAttribute<Long> STARTED = new ExecutionAttribute<>("cryptopipe.bench.started");
    private static volatile Recording current;

    /** Calls counted from {@link #start} until {@link #stop}; calls on the ignored queues are not counted. */
    public static final class Recording {
        private final Set<String> ignoredQueueUrls;
        private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
        private final Map<String, LongAdder> attempts = new ConcurrentHashMap<>();
        private final Map<String, LongAdder> nanos = new ConcurrentHashMap<>();

        private Recording(Set<String> ignoredQueueUrls) {
            this.ignoredQueueUrls = Set.copyOf(ignoredQueueUrls);
        }

        /** "Service Operation" → calls, in name order. */
        public Map<String, Long> calls() {
            return snapshot(calls);
        }

        /** "Service Operation" → HTTP attempts (above calls only when the SDK retried). */
        public Map<String, Long> attempts() {
            return snapshot(attempts);
        }

        /** "Service Operation" → total nanoseconds between sending a request and its response arriving. */
        public Map<String, Long> wireNanos() {
            return snapshot(nanos);
        }

        private static Map<String, Long> snapshot(Map<String, LongAdder> counts) {
            Map<String, Long> copy = new TreeMap<>();
            counts.forEach((key, value) -> copy.put(key, value.sum()));
            return copy;
        }
    }

    /**
     * Starts counting every call of this JVM except those on {@code ignoredQueueUrls}: the queues
     * of the bench's own observer, and of a pipeline idling while the other design runs.
     */
    public static Recording start(Set<String> ignoredQueueUrls) {
        Recording recording = new Recording(ignoredQueueUrls);
        current = recording;
        return recording;
    }

    /** Stops counting; the recording keeps what it counted. */
    public static void stop() {
        current = null;
    }

    private static String key(ExecutionAttributes attributes) {
        return attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + " "
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    }

    private static Recording counting(SdkRequest request) {
        Recording recording = current;
        if (recording == null) {
            return null;
        }
        if (!recording.ignoredQueueUrls.isEmpty()
                && request.getValueForField("QueueUrl", String.class).filter(recording.ignoredQueueUrls::contains).isPresent()) {
            return null;
        }
        return recording;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        Recording recording = counting(context.request());
        if (recording != null) {
            recording.calls.computeIfAbsent(key(attributes), k -> new LongAdder()).increment();
        }
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        Recording recording = counting(context.request());
        if (recording != null) {
            recording.attempts.computeIfAbsent(key(attributes), k -> new LongAdder()).increment();
            attributes.putAttribute(STARTED, System.nanoTime());
        }
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        Long started = attributes.getAttribute(STARTED);
        Recording recording = counting(context.request());
        if (started != null && recording != null) {
            recording.nanos.computeIfAbsent(key(attributes), k -> new LongAdder()).add(System.nanoTime() - started);
        }
    }
}
