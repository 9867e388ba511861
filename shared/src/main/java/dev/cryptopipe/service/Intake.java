package dev.cryptopipe.service;

import dev.cryptopipe.aws.RequestQueue;
import dev.cryptopipe.aws.RequestQueue.SendResult;
import dev.cryptopipe.aws.SdkClients;
import dev.cryptopipe.config.IntakeConfig;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.EncryptRequest;
import dev.cryptopipe.core.Limits;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.core.RequestMessages;
import dev.cryptopipe.observe.Log;
import dev.cryptopipe.observe.Metrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.InvalidMessageContentsException;

/** Accepts encrypt requests: validates, names each with its uuid, and queues it. */
public final class Intake {
    /** Most items in one {@code POST /encrypt/batch}. */
    public static final int MAX_BATCH_ITEMS = 100;

    private static final Log LOG = Log.named("intake");

    /** One item to accept: the caller's input before validation. */
    public record Submission(String plaintext, Optional<String> ref, Optional<String> idempotencyKey, String caller) {
        @Override
        public String toString() {
            return "Submission[ref=" + ref.orElse("") + "]";
        }
    }

    /** The answer for one batch item: its uuid if it is queued, else why not (never both). */
    public record ItemResult(RecordId id, ApiException error) {
        public static ItemResult accepted(RecordId id) {
            return new ItemResult(id, null);
        }

        public static ItemResult refused(ApiException error) {
            return new ItemResult(null, error);
        }

        public boolean isAccepted() {
            return id != null;
        }
    }

    private final RequestQueue queue;
    private final Limits limits;
    private final Clock clock;
    private final Metrics metrics = new Metrics("intake");

    public Intake(RequestQueue queue, Limits limits, Clock clock) {
        this.queue = queue;
        this.limits = limits;
        this.clock = clock;
    }

    public static Intake fromConfig(IntakeConfig config) {
        SqsClient sqs = SdkClients.build(SqsClient.builder());
        return new Intake(new RequestQueue(sqs, config.requestQueueUrl().toString()), config.limits(), Clock.systemUTC());
    }

    /** Returns the uuid once the request is durably queued; a bad submission never reaches the queue. */
    public RecordId accept(Submission submission) {
        EncryptRequest request = validate(submission);
        String body = encode(request);
        String messageId;
        try {
            messageId = queue.send(body);
        } catch (InvalidMessageContentsException e) {
            throw refusedByQueue();
        }
        LOG.info("request.queued", fields(request, messageId));
        metrics.add("RequestsQueued", 1).flush();
        return request.id();
    }

    /**
     * Accepts each submission on its own: the results are in the same order, a uuid for every
     * submission that is durably queued and an error for every other. A submission that reuses
     * the idempotency key of an earlier one in the same batch gets the earlier one's answer and
     * is not queued again. Queue failures never reach the caller as an exception: the items
     * concerned get an error (429 THROTTLED or 503 UNAVAILABLE) and may be sent again.
     */
    public List<ItemResult> acceptBatch(List<Submission> submissions) {
        if (submissions.size() > MAX_BATCH_ITEMS) {
            throw new ApiException(413, "TOO_MANY_ITEMS", "a batch has at most " + MAX_BATCH_ITEMS + " items");
        }
        ItemResult[] results = new ItemResult[submissions.size()];
        List<EncryptRequest> toSend = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        List<Integer> sentIndex = new ArrayList<>();
        Map<RecordId, Integer> firstWithId = new HashMap<>();
        int[] sameAs = new int[submissions.size()];
        for (int i = 0; i < submissions.size(); i++) {
            sameAs[i] = -1;
            try {
                EncryptRequest request = validate(submissions.get(i));
                Integer earlier = firstWithId.putIfAbsent(request.id(), i);
                if (earlier != null) {
                    sameAs[i] = earlier;
                    continue;
                }
                bodies.add(encode(request));
                toSend.add(request);
                sentIndex.add(i);
            } catch (ApiException e) {
                results[i] = ItemResult.refused(e);
                metrics.add("ItemsRefused", 1);
            }
        }
        List<SendResult> sent = bodies.isEmpty() ? List.of() : queue.sendBatch(bodies);
        for (int k = 0; k < sent.size(); k++) {
            SendResult result = sent.get(k);
            EncryptRequest request = toSend.get(k);
            int index = sentIndex.get(k);
            if (result.retriedAlone()) {
                metrics.add("EntriesRetriedAlone", 1);
            }
            if (result.queued()) {
                results[index] = ItemResult.accepted(request.id());
                LOG.info("request.queued", fields(request, result.messageId()));
                metrics.add("RequestsQueued", 1);
            } else {
                ApiException error = unqueued(result.failure());
                results[index] = ItemResult.refused(error);
                Map<String, Object> fields = fields(request, null);
                fields.put("item", index);
                fields.put("code", error.code());
                fields.put("exception", result.failure().getClass().getSimpleName());
                LOG.warn("item.not_queued", fields);
                metrics.add("ItemsNotQueued", 1);
            }
        }
        for (int i = 0; i < results.length; i++) {
            if (sameAs[i] >= 0) {
                results[i] = results[sameAs[i]];
            }
        }
        metrics.flush();
        return List.of(results);
    }

    EncryptRequest validate(Submission submission) {
        limits.checkPlaintext(submission.plaintext());
        submission.ref().ifPresent(limits::checkRef);
        RecordId id = submission.idempotencyKey()
                .map(key -> {
                    if (key.isBlank() || key.length() > 256) {
                        throw ApiException.badRequest("INVALID_IDEMPOTENCY_KEY", "an idempotency key must be 1 to 256 characters");
                    }
                    return RecordId.fromIdempotencyKey(submission.caller(), key);
                })
                .orElseGet(RecordId::random);
        return new EncryptRequest(id, submission.plaintext(), submission.ref(), clock.instant());
    }

    private static String encode(EncryptRequest request) {
        String body = RequestMessages.encode(request);
        if (body.getBytes(StandardCharsets.UTF_8).length > RequestMessages.MAX_MESSAGE_BYTES) {
            // JSON escaping can grow a plaintext within the limit past what SQS takes.
            throw ApiException.tooLarge("plaintext is too large once encoded for the queue");
        }
        return body;
    }

    /** The error an item gets when the queue did not take it; the message never echoes input. */
    static ApiException unqueued(RuntimeException failure) {
        if (failure instanceof InvalidMessageContentsException) {
            return refusedByQueue();
        }
        if (failure instanceof SdkServiceException service && service.isThrottlingException()) {
            return new ApiException(429, "THROTTLED", "the queue throttled this item; send it again with backoff");
        }
        return new ApiException(503, "UNAVAILABLE", "this item could not be queued; send it again");
    }

    private static ApiException refusedByQueue() {
        return ApiException.badRequest("INVALID_FIELD", "plaintext has characters the queue does not accept");
    }

    private static Map<String, Object> fields(EncryptRequest request, String messageId) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("uuid", request.id().toString());
        request.ref().ifPresent(ref -> fields.put("ref", ref));
        if (messageId != null) {
            fields.put("messageId", messageId);
        }
        return fields;
    }
}
