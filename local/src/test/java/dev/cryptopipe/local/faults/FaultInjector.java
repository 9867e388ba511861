package dev.cryptopipe.local.faults;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Test only: makes the AWS calls of the functions under test fail, and counts what happened.
 * Registered for every SDK client of the test JVM by
 * {@code software/amazon/awssdk/global/handlers/execution.interceptors} on the test classpath;
 * it does nothing but count until {@link #enable} is called, and never touches a client built
 * with {@link #EXEMPT} (the tests' own clients).
 *
 * <p>Faults follow a fixed schedule per operation rather than chance, so a run of a given size
 * always exercises every failure path: call n of an operation is faulty when
 * {@code n % period == period / 2} (a share of 1 / period). A faulty call fails its first
 * {@code 4 - (n / period) % 4} attempts, so every fourth faulty call (the first one among them)
 * fails all four of the SDK's attempts and reaches our code; the others are absorbed by the
 * SDK's retries. A failure is
 * throttling or a 5xx, and for calls that change something, every third faulty call fails
 * <em>after</em> the emulator did the work (a lost response: the retry meets its own write).
 * Separately, batch entries are failed inside successful calls: one in period entries of
 * SendMessageBatch and PutEvents, chosen at random, is taken out of the request and answered as
 * a failed entry.
 *
 * <p>Only the calls our functions make are faulted (KMS GenerateDataKey/Decrypt, DynamoDB
 * PutItem/GetItem, EventBridge PutEvents, SQS SendMessage/SendMessageBatch); the local poller's
 * receive/delete calls stand in for Lambda's event source mapping and are left alone.
 */
public final class FaultInjector implements ExecutionInterceptor {
    /** Put on a client's override configuration to keep its calls out of faults and counts. */
    public static final ExecutionAttribute<Boolean> EXEMPT = new ExecutionAttribute<>("cryptopipe.faults.exempt");

    static final int SDK_ATTEMPTS = 4;
    private static final Set<String> FAULTED = Set.of(
            "Kms GenerateDataKey", "Kms Decrypt",
            "DynamoDb PutItem", "DynamoDb GetItem",
            "EventBridge PutEvents",
            "Sqs SendMessage", "Sqs SendMessageBatch");
    private static final Set<String> MUTATING = Set.of(
            "Kms GenerateDataKey", "DynamoDb PutItem", "EventBridge PutEvents", "Sqs SendMessage", "Sqs SendMessageBatch");

    private static final ExecutionAttribute<Plan> CALL = new ExecutionAttribute<>("cryptopipe.faults.call");
    private static final ExecutionAttribute<Integer> ATTEMPT = new ExecutionAttribute<>("cryptopipe.faults.attempt");
    private static final ExecutionAttribute<Boolean> LOSE_RESPONSE = new ExecutionAttribute<>("cryptopipe.faults.lose");
    private static final ExecutionAttribute<Boolean> LAST_ATTEMPT_INJECTED = new ExecutionAttribute<>("cryptopipe.faults.last");
    private static final ExecutionAttribute<List<Integer>> DROPPED = new ExecutionAttribute<>("cryptopipe.faults.dropped");
    private static final ExecutionAttribute<Integer> ORIGINAL_SIZE = new ExecutionAttribute<>("cryptopipe.faults.size");
    private static final ExecutionAttribute<List<String>> DROPPED_IDS = new ExecutionAttribute<>("cryptopipe.faults.droppedIds");

    private static volatile int period; // 0: no faults
    private static final Set<String> DOOMED_RECORD_IDS = ConcurrentHashMap.newKeySet();
    private static final Map<String, AtomicLong> CALL_INDEX = new ConcurrentHashMap<>();
    private static final Map<String, AtomicLong> COUNTS = new ConcurrentHashMap<>();

    /** How one call is to fail: its first {@code failingAttempts} attempts, with this error. */
    private record Plan(int failingAttempts, int status, String code, boolean loseResponse, boolean doomed) {
        Plan(int failingAttempts, int status, String code, boolean loseResponse) {
            this(failingAttempts, status, code, loseResponse, false);
        }
    }

    /** Fails one call in {@code period} of each faulted operation (10: 10 %), and one batch entry in {@code period}. */
    public static void enable(int period) {
        if (period < 2) {
            throw new IllegalArgumentException("period must be at least 2");
        }
        FaultInjector.period = period;
    }

    public static void disable() {
        period = 0;
    }

    /** Every PutItem of a record with this id fails on every attempt, until {@link #spare}d: its message ends in the DLQ. */
    public static void doom(String recordId) {
        DOOMED_RECORD_IDS.add(recordId);
    }

    public static void spare(String recordId) {
        DOOMED_RECORD_IDS.remove(recordId);
    }

    public static void resetCounts() {
        COUNTS.clear();
    }

    /** A snapshot of the counters, by name ("calls Kms Decrypt", "injected Sqs SendMessage", …). */
    public static Map<String, Long> counts() {
        Map<String, Long> copy = new TreeMap<>();
        COUNTS.forEach((name, value) -> copy.put(name, value.get()));
        return copy;
    }

    public static long count(String name) {
        AtomicLong value = COUNTS.get(name);
        return value == null ? 0 : value.get();
    }

    private static void add(String name, long delta) {
        COUNTS.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(delta);
    }

    private static String key(ExecutionAttributes attributes) {
        return attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + " "
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    }

    private static boolean exempt(ExecutionAttributes attributes) {
        return Boolean.TRUE.equals(attributes.getAttribute(EXEMPT));
    }

    // ---- choosing --------------------------------------------------------------------------

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (exempt(attributes)) {
            return;
        }
        String key = key(attributes);
        add("calls " + key, 1);
        int every = period;
        if (every == 0 || !FAULTED.contains(key)) {
            return;
        }
        if (doomed(context.request())) {
            attributes.putAttribute(CALL, new Plan(Integer.MAX_VALUE, 500, "InternalFailure", false, true));
            add("doomed " + key, 1);
            return;
        }
        long n = CALL_INDEX.computeIfAbsent(key, k -> new AtomicLong()).getAndIncrement();
        if (n % every != every / 2) {
            return;
        }
        long round = n / every;
        int failing = SDK_ATTEMPTS - (int) (round % SDK_ATTEMPTS); // the first faulty call outlasts every retry
        boolean throttle = round % 2 == 0;
        boolean lose = MUTATING.contains(key) && round % 3 == 1;
        attributes.putAttribute(CALL, throttle
                ? new Plan(failing, 400, "ThrottlingException", lose)
                : new Plan(failing, round % 4 == 1 ? 500 : 503, round % 4 == 1 ? "InternalFailure" : "ServiceUnavailable", lose));
        add("faulty calls " + key, 1);
    }

    private static boolean doomed(SdkRequest request) {
        if (DOOMED_RECORD_IDS.isEmpty() || !(request instanceof PutItemRequest put)) {
            return false;
        }
        AttributeValue id = put.item().get("id");
        return id != null && id.s() != null && DOOMED_RECORD_IDS.contains(id.s());
    }

    // ---- batch entries ---------------------------------------------------------------------

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        int every = period;
        if (every == 0 || exempt(attributes)) {
            return context.request();
        }
        if (context.request() instanceof SendMessageBatchRequest batch) {
            List<Integer> dropped = chooseDropped(key(attributes), batch.entries().size(), every);
            if (dropped.isEmpty()) {
                return batch;
            }
            attributes.putAttribute(DROPPED, dropped);
            List<SendMessageBatchRequestEntry> kept = new ArrayList<>();
            List<String> droppedIds = new ArrayList<>();
            for (int i = 0; i < batch.entries().size(); i++) {
                if (dropped.contains(i)) {
                    droppedIds.add(batch.entries().get(i).id());
                } else {
                    kept.add(batch.entries().get(i));
                }
            }
            attributes.putAttribute(DROPPED_IDS, droppedIds);
            return batch.toBuilder().entries(kept).build();
        }
        if (context.request() instanceof PutEventsRequest events) {
            List<Integer> dropped = chooseDropped(key(attributes), events.entries().size(), every);
            if (dropped.isEmpty()) {
                return events;
            }
            attributes.putAttribute(DROPPED, dropped);
            attributes.putAttribute(ORIGINAL_SIZE, events.entries().size());
            List<PutEventsRequestEntry> kept = new ArrayList<>();
            for (int i = 0; i < events.entries().size(); i++) {
                if (!dropped.contains(i)) {
                    kept.add(events.entries().get(i));
                }
            }
            return events.toBuilder().entries(kept).build();
        }
        return context.request();
    }

    /**
     * Positions of entries to fail, each with chance 1 / period; never all of them (an empty
     * batch is a different error). By chance, not by position: redelivered messages often come
     * back together in the same order, and a positional schedule would fail the same one each time.
     */
    private static List<Integer> chooseDropped(String key, int size, int every) {
        List<Integer> dropped = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (ThreadLocalRandom.current().nextInt(every) == 0 && dropped.size() < size - 1) {
                dropped.add(i);
            }
        }
        if (!dropped.isEmpty()) {
            add("failed entries " + key, dropped.size());
        }
        return dropped;
    }

    @Override
    public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
        if (exempt(attributes)) {
            return context.response();
        }
        if (context.response() instanceof ReceiveMessageResponse received) {
            for (Message message : received.messages()) {
                String count = message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
                if (count != null && !count.equals("1")) {
                    add("redeliveries " + key(attributes), 1);
                }
            }
        }
        List<Integer> dropped = attributes.getAttribute(DROPPED);
        if (dropped == null) {
            return context.response();
        }
        if (context.response() instanceof SendMessageBatchResponse sent) {
            List<BatchResultErrorEntry> failed = new ArrayList<>(sent.failed());
            for (String id : attributes.getAttribute(DROPPED_IDS)) {
                failed.add(BatchResultErrorEntry.builder().id(id).code("InternalError").senderFault(false)
                        .message("injected entry failure").build());
            }
            return sent.toBuilder().failed(failed).build();
        }
        if (context.response() instanceof PutEventsResponse put) {
            int size = attributes.getAttribute(ORIGINAL_SIZE);
            List<PutEventsResultEntry> results = new ArrayList<>(size);
            int next = 0;
            for (int i = 0; i < size; i++) {
                if (dropped.contains(i)) {
                    results.add(PutEventsResultEntry.builder().errorCode("InternalFailure").errorMessage("injected entry failure").build());
                } else {
                    results.add(next < put.entries().size() ? put.entries().get(next++) : null);
                }
            }
            int failedCount = (put.failedEntryCount() == null ? 0 : put.failedEntryCount()) + dropped.size();
            return put.toBuilder().entries(results).failedEntryCount(failedCount).build();
        }
        return context.response();
    }

    // ---- attempts --------------------------------------------------------------------------

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (!exempt(attributes)) {
            add("attempts " + key(attributes), 1);
        }
        Plan plan = attributes.getAttribute(CALL);
        if (plan == null) {
            return;
        }
        int attempt = Optional.ofNullable(attributes.getAttribute(ATTEMPT)).orElse(0) + 1;
        attributes.putAttribute(ATTEMPT, attempt);
        boolean fail = attempt <= plan.failingAttempts();
        attributes.putAttribute(LAST_ATTEMPT_INJECTED, fail);
        attributes.putAttribute(LOSE_RESPONSE, fail && plan.loseResponse());
        if (!fail) {
            return;
        }
        String key = key(attributes);
        add((plan.doomed() ? "doomed attempts " : "injected ") + key, 1);
        if (!plan.loseResponse()) {
            throw error(plan, attributes);
        }
        add("lost responses " + key, 1);
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        if (!Boolean.TRUE.equals(attributes.getAttribute(LOSE_RESPONSE))) {
            return context.httpResponse();
        }
        Plan plan = attributes.getAttribute(CALL);
        return context.httpResponse().toBuilder()
                .statusCode(plan.status())
                .statusText("injected")
                .removeHeader("Content-Length")
                .removeHeader("x-amz-crc32")
                .putHeader("x-amzn-ErrorType", plan.code())
                .putHeader("x-amzn-query-error", plan.code() + ";" + (plan.status() < 500 ? "Sender" : "Receiver"))
                .build();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        if (!Boolean.TRUE.equals(attributes.getAttribute(LOSE_RESPONSE))) {
            return context.responseBody();
        }
        context.responseBody().ifPresent(FaultInjector::drain);
        Plan plan = attributes.getAttribute(CALL);
        String body = "{\"__type\":\"" + plan.code() + "\",\"message\":\"injected after the work was done\"}";
        return Optional.of(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        if (!exempt(attributes)) {
            add("failed " + key(attributes) + " " + context.exception().getClass().getSimpleName(), 1);
        }
        Plan plan = attributes.getAttribute(CALL);
        if (plan != null && !plan.doomed() && Boolean.TRUE.equals(attributes.getAttribute(LAST_ATTEMPT_INJECTED))) {
            add("surfaced " + key(attributes), 1);
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        if (!exempt(attributes)) {
            add("succeeded " + key(attributes), 1);
        }
    }

    private static AwsServiceException error(Plan plan, ExecutionAttributes attributes) {
        SdkHttpResponse http = SdkHttpResponse.builder().statusCode(plan.status()).build();
        return AwsServiceException.builder()
                .statusCode(plan.status())
                .message("injected " + plan.code())
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode(plan.code())
                        .errorMessage("injected")
                        .serviceName(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))
                        .sdkHttpResponse(http)
                        .build())
                .build();
    }

    private static void drain(InputStream in) {
        try (in) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the connection is dropped instead of reused
        }
    }
}
