package dev.cryptopipe.aws;

import dev.cryptopipe.core.EncryptRequest;
import dev.cryptopipe.core.RequestMessages;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;

/** The SQS queue of encrypt requests. */
public final class RequestQueue {
    /** SQS takes at most 10 entries per SendMessageBatch ... */
    static final int MAX_BATCH_ENTRIES = 10;
    /** ... and at most 256 KiB of message bodies in one call. */
    static final int MAX_BATCH_BYTES = RequestMessages.MAX_MESSAGE_BYTES;

    private final SqsClient sqs;
    private final String queueUrl;

    public RequestQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    /**
     * What became of one body of a {@link #sendBatch}: its SQS message id once it is durably
     * queued, or the failure that kept it out of the queue (never both).
     *
     * @param retriedAlone whether the batch call did not take it and it was sent again on its own
     */
    public record SendResult(String messageId, RuntimeException failure, boolean retriedAlone) {
        public boolean queued() {
            return messageId != null;
        }
    }

    /** Returns the SQS message id once the request is durably queued. */
    public String send(EncryptRequest request) {
        return send(RequestMessages.encode(request));
    }

    /** Sends an already encoded message body (callers check its size first). */
    public String send(String body) {
        return sqs.sendMessage(send -> send.queueUrl(queueUrl).messageBody(body)).messageId();
    }

    /**
     * Sends already encoded bodies with SendMessageBatch, in calls of at most 10 entries and
     * 256 KiB. An entry the batch call did not take (a failed entry, or every entry of a call
     * that failed after the SDK's retries) is sent again on its own; a result has a message id
     * only if SQS answered with one for that body. The calls go out concurrently (virtual
     * threads); results are in the order of {@code bodies}.
     */
    public List<SendResult> sendBatch(List<String> bodies) {
        SendResult[] results = new SendResult[bodies.size()];
        List<List<Integer>> groups = groups(bodies);
        if (groups.size() == 1) {
            sendGroup(bodies, groups.get(0), results);
        } else {
            // The calls are independent: send them at once rather than one after another.
            try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
                for (List<Integer> group : groups) {
                    calls.submit(() -> sendGroup(bodies, group, results));
                }
            }
        }
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) { // only if a sending thread died of an Error
                results[i] = new SendResult(null, new IllegalStateException("not sent"), false);
            }
        }
        return List.of(results);
    }

    /** Sends one group; writes only the results of its own indexes. */
    private void sendGroup(List<String> bodies, List<Integer> group, SendResult[] results) {
        List<Integer> alone = new ArrayList<>();
        try {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>(group.size());
            for (int k = 0; k < group.size(); k++) {
                entries.add(SendMessageBatchRequestEntry.builder()
                        .id(Integer.toString(k))
                        .messageBody(bodies.get(group.get(k)))
                        .build());
            }
            SendMessageBatchResponse response = sqs.sendMessageBatch(batch -> batch.queueUrl(queueUrl).entries(entries));
            for (SendMessageBatchResultEntry ok : response.successful()) {
                int index = entryIndex(ok.id(), group);
                if (index >= 0 && ok.messageId() != null) {
                    results[index] = new SendResult(ok.messageId(), null, false);
                }
            }
            for (BatchResultErrorEntry failed : response.failed()) {
                int index = entryIndex(failed.id(), group);
                if (index >= 0) {
                    results[index] = null; // a failed entry is never queued, whatever else was said
                }
            }
            for (int index : group) {
                if (results[index] == null) {
                    alone.add(index);
                }
            }
        } catch (RuntimeException batchFailed) {
            alone.addAll(group);
        }
        for (int index : alone) {
            try {
                results[index] = new SendResult(send(bodies.get(index)), null, true);
            } catch (RuntimeException e) {
                results[index] = new SendResult(null, e, true);
            }
        }
    }

    private static int entryIndex(String id, List<Integer> group) {
        try {
            int k = Integer.parseInt(id);
            return k >= 0 && k < group.size() ? group.get(k) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Consecutive bodies in groups of at most 10 entries and 256 KiB. */
    static List<List<Integer>> groups(List<String> bodies) {
        List<List<Integer>> groups = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        int bytes = 0;
        for (int i = 0; i < bodies.size(); i++) {
            int size = bodies.get(i).getBytes(StandardCharsets.UTF_8).length;
            if (!current.isEmpty() && (current.size() == MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
                groups.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(i);
            bytes += size;
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }
}
