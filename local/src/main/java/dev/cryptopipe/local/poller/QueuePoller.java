package dev.cryptopipe.local.poller;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.cryptopipe.local.LocalContext;
import dev.cryptopipe.observe.Log;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * What Lambda's SQS event source mapping does, on one machine: gathers up to a batch of
 * messages within the batching window, invokes the worker, deletes what succeeded and lets
 * the reported failures become visible again for redelivery (the queue's redrive policy
 * moves a message to the dead-letter queue after its maximum receives).
 */
public final class QueuePoller implements AutoCloseable {
    private static final Log LOG = Log.named("poller");
    private static final int MAX_PER_RECEIVE = 10;
    private static final Duration FUNCTION_TIMEOUT = Duration.ofSeconds(60);

    /**
     * How the mapping is set up; on AWS these are the event source's properties.
     * {@code visibilityTimeout}, if not null, is how long a received message stays hidden
     * (instead of the queue's own, 11 minutes from the template): what a message in flight
     * waits before it is delivered again after the runtime was killed.
     */
    public record Settings(int batchSize, Duration batchingWindow, Duration retryDelay, int concurrency,
                           Duration visibilityTimeout) {
        public Settings(int batchSize, Duration batchingWindow, Duration retryDelay, int concurrency) {
            this(batchSize, batchingWindow, retryDelay, concurrency, null);
        }
    }

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final RequestHandler<SQSEvent, SQSBatchResponse> worker;
    private final Settings settings;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    public QueuePoller(SqsClient sqs, String queueUrl, String queueArn,
                       RequestHandler<SQSEvent, SQSBatchResponse> worker, Settings settings) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.worker = worker;
        this.settings = settings;
    }

    public QueuePoller start() {
        for (int i = 0; i < settings.concurrency(); i++) {
            threads.add(Thread.ofPlatform().daemon().name("sqs-poller-" + i).start(this::pollLoop));
        }
        return this;
    }

    @Override
    public void close() {
        running.set(false);
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofSeconds(25));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void pollLoop() {
        while (running.get()) {
            try {
                List<Message> batch = gather();
                if (!batch.isEmpty()) {
                    invoke(batch);
                }
            } catch (RuntimeException e) {
                if (running.get()) {
                    LOG.warn("poll.failed", Map.of("exception", e.getClass().getSimpleName()));
                    pause(Duration.ofMillis(500));
                }
            }
        }
    }

    /** Up to a batch of messages, waiting at most the batching window once the first arrives. */
    private List<Message> gather() {
        List<Message> batch = new ArrayList<>();
        Instant windowEnds = null;
        while (running.get() && batch.size() < settings.batchSize()) {
            int waitSeconds = windowEnds == null ? 1 : 0;
            List<Message> received = sqs.receiveMessage(receive -> {
                receive.queueUrl(queueUrl)
                        .maxNumberOfMessages(Math.min(MAX_PER_RECEIVE, settings.batchSize() - batch.size()))
                        .waitTimeSeconds(waitSeconds)
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL);
                if (settings.visibilityTimeout() != null) {
                    receive.visibilityTimeout((int) settings.visibilityTimeout().toSeconds());
                }
            }).messages();
            if (received.isEmpty()) {
                if (windowEnds != null || !batch.isEmpty()) {
                    break;
                }
                continue;
            }
            batch.addAll(received);
            if (windowEnds == null) {
                windowEnds = Instant.now().plus(settings.batchingWindow());
            }
            if (!Instant.now().isBefore(windowEnds)) {
                break;
            }
        }
        return batch;
    }

    private void invoke(List<Message> batch) {
        Set<String> failed = new HashSet<>();
        try {
            SQSBatchResponse response = worker.handleRequest(event(batch), new LocalContext("worker", FUNCTION_TIMEOUT));
            if (response != null && response.getBatchItemFailures() != null) {
                response.getBatchItemFailures().forEach(failure -> failed.add(failure.getItemIdentifier()));
            }
        } catch (RuntimeException e) {
            // A function error fails the whole batch, as on Lambda.
            LOG.warn("worker.failed", Map.of("exception", e.getClass().getSimpleName(), "messages", batch.size()));
            batch.forEach(message -> failed.add(message.messageId()));
        }
        List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
        for (Message message : batch) {
            if (failed.contains(message.messageId())) {
                retryLater(message);
            } else {
                done.add(DeleteMessageBatchRequestEntry.builder()
                        .id(Integer.toString(done.size()))
                        .receiptHandle(message.receiptHandle())
                        .build());
            }
        }
        for (int start = 0; start < done.size(); start += MAX_PER_RECEIVE) {
            List<DeleteMessageBatchRequestEntry> chunk = done.subList(start, Math.min(done.size(), start + MAX_PER_RECEIVE));
            sqs.deleteMessageBatch(delete -> delete.queueUrl(queueUrl).entries(chunk));
        }
    }

    /**
     * Lambda leaves a failed message invisible for the queue's whole visibility timeout; locally
     * a short delay keeps retries quick while still going through SQS's receive count.
     */
    private void retryLater(Message message) {
        try {
            sqs.changeMessageVisibility(change -> change
                    .queueUrl(queueUrl)
                    .receiptHandle(message.receiptHandle())
                    .visibilityTimeout((int) settings.retryDelay().toSeconds()));
        } catch (RuntimeException e) {
            LOG.warn("visibility.failed", Map.of("messageId", message.messageId(), "exception", e.getClass().getSimpleName()));
        }
    }

    private SQSEvent event(List<Message> batch) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>(batch.size());
        for (Message message : batch) {
            SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
            record.setMessageId(message.messageId());
            record.setReceiptHandle(message.receiptHandle());
            record.setBody(message.body());
            record.setMd5OfBody(message.md5OfBody());
            record.setAttributes(new HashMap<>(message.attributesAsStrings()));
            record.setEventSource("aws:sqs");
            record.setEventSourceArn(queueArn);
            records.add(record);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
