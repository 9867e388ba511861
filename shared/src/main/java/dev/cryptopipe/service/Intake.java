package dev.cryptopipe.service;

import dev.cryptopipe.aws.RequestQueue;
import dev.cryptopipe.aws.SdkClients;
import dev.cryptopipe.config.IntakeConfig;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.EncryptRequest;
import dev.cryptopipe.core.Limits;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.core.RequestMessages;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Accepts encrypt requests: validates, names each with its uuid, and queues it. */
public final class Intake {
    /** One item to accept: the caller's input before validation. */
    public record Submission(String plaintext, Optional<String> ref, Optional<String> idempotencyKey, String caller) {
        @Override
        public String toString() {
            return "Submission[ref=" + ref.orElse("") + "]";
        }
    }

    private final RequestQueue queue;
    private final Limits limits;
    private final Clock clock;

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
        String body = RequestMessages.encode(request);
        if (body.getBytes(StandardCharsets.UTF_8).length > RequestMessages.MAX_MESSAGE_BYTES) {
            // JSON escaping can grow a plaintext within the limit past what SQS takes.
            throw ApiException.tooLarge("plaintext is too large once encoded for the queue");
        }
        queue.send(body);
        return request.id();
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
}
