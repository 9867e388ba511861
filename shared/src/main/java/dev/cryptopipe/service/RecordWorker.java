package dev.cryptopipe.service;

import dev.cryptopipe.aws.DataKeyStore;
import dev.cryptopipe.aws.EventPublisher;
import dev.cryptopipe.aws.EventPublisher.Event;
import dev.cryptopipe.aws.KmsKeySource;
import dev.cryptopipe.aws.RecordStore;
import dev.cryptopipe.aws.SdkClients;
import dev.cryptopipe.config.WorkerConfig;
import dev.cryptopipe.core.EncryptRequest;
import dev.cryptopipe.core.Limits;
import dev.cryptopipe.core.RecordRejected;
import dev.cryptopipe.core.RecordStored;
import dev.cryptopipe.core.RejectedMessageException;
import dev.cryptopipe.core.RequestMessages;
import dev.cryptopipe.core.StoredRecord;
import dev.cryptopipe.crypto.EnvelopeAead;
import dev.cryptopipe.crypto.KeyCacheListener;
import dev.cryptopipe.crypto.RecordAead;
import dev.cryptopipe.crypto.SealedRecord;
import dev.cryptopipe.observe.Log;
import dev.cryptopipe.observe.Metrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * Turns a batch of queued requests into stored records and events. At least once in, exactly
 * one record out: a record that already exists is a redelivery and is announced again; a
 * message that can never succeed is rejected (announced, not retried); anything else that
 * fails fails only its own message, which SQS delivers again.
 */
public final class RecordWorker {
    private static final Log LOG = Log.named("worker");

    /** One SQS message as the worker sees it. */
    public record QueuedMessage(String messageId, String body) {
        @Override
        public String toString() {
            return "QueuedMessage[" + messageId + "]";
        }
    }

    /**
     * Told of each message that failed and will be delivered again, with the reason (an
     * exception's simple name or "event not accepted"): the local runtime keeps the first one
     * so {@code ./cryptopipe dlq} can show it. Never given a plaintext.
     */
    @FunctionalInterface
    public interface FailureListener {
        FailureListener NONE = (messageId, uuid, reason) -> { };

        void failed(String messageId, String uuid, String reason);
    }

    private final RecordAead aead;
    private final RecordStore records;
    private final EventPublisher events;
    private final Limits limits;
    private final Clock clock;
    private final Metrics metrics;
    private final FailureListener failures;

    public RecordWorker(RecordAead aead, RecordStore records, EventPublisher events, Limits limits, Clock clock) {
        this(aead, records, events, limits, clock, new Metrics("worker"), FailureListener.NONE);
    }

    public RecordWorker(RecordAead aead, RecordStore records, EventPublisher events, Limits limits, Clock clock,
                        Metrics metrics, FailureListener failures) {
        this.aead = aead;
        this.records = records;
        this.events = events;
        this.limits = limits;
        this.clock = clock;
        this.metrics = metrics;
        this.failures = failures;
    }

    public static RecordWorker fromConfig(WorkerConfig config) {
        return fromConfig(config, FailureListener.NONE);
    }

    public static RecordWorker fromConfig(WorkerConfig config, FailureListener failures) {
        DynamoDbClient dynamo = SdkClients.build(DynamoDbClient.builder());
        KmsClient kms = SdkClients.build(KmsClient.builder());
        EventBridgeClient eventBridge = SdkClients.build(EventBridgeClient.builder());
        Clock clock = Clock.systemUTC();
        Metrics metrics = new Metrics("worker");
        KmsKeySource keys = new KmsKeySource(kms, new DataKeyStore(dynamo, config.dataKeysTable()), config.keyId(), clock);
        RecordAead aead = EnvelopeAead.builder(keys)
                .maxRecordsPerDataKey(config.dataKeyMaxRecords())
                .maxDataKeyAge(config.dataKeyMaxAge())
                .listener(new KeyCacheListener() {
                    @Override
                    public void dataKeyGenerated() {
                        metrics.add("DataKeysGenerated", 1);
                    }
                })
                .build();
        return new RecordWorker(aead, new RecordStore(dynamo, config.recordsTable()),
                new EventPublisher(eventBridge, config.eventBusName()), config.limits(), clock, metrics, failures);
    }

    /**
     * Messages of one batch sealed and stored at once. More buys nothing: the JDK's HTTP client
     * keeps 5 idle connections per host ({@code http.maxConnections}), so a 100-message batch
     * fully in flight opens (and, on AWS, TLS-handshakes) 95 connections only to close them; on
     * the emulator, 1,500-record bench runs stored 149–154 records/s so against 175 with 5.
     */
    static final int MESSAGES_IN_FLIGHT = 5;

    /** Processes the batch concurrently and returns the ids of the messages to deliver again. */
    public List<String> process(List<QueuedMessage> batch) {
        return process(batch, "");
    }

    /**
     * As {@link #process(List)}; {@code requestId} (the Lambda request id of the invocation)
     * goes on every log line, with the message id and, once known, the uuid and ref.
     */
    public List<String> process(List<QueuedMessage> batch, String requestId) {
        List<Outcome> outcomes = new ArrayList<>(batch.size());
        Semaphore inFlight = new Semaphore(MESSAGES_IN_FLIGHT);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Outcome>> futures = new ArrayList<>(batch.size());
            for (QueuedMessage message : batch) {
                futures.add(executor.submit(() -> {
                    inFlight.acquire();
                    try {
                        return handle(message, requestId);
                    } finally {
                        inFlight.release();
                    }
                }));
            }
            for (int i = 0; i < futures.size(); i++) {
                outcomes.add(await(futures.get(i), batch.get(i), requestId));
            }
        }
        List<String> retry = announce(outcomes, requestId);
        metrics.flush();
        return retry;
    }

    /** What became of one message before its event is sent. */
    private record Outcome(QueuedMessage message, Event event, String uuid, String ref, String failure) {
        static Outcome announce(QueuedMessage message, Event event, String uuid, String ref) {
            return new Outcome(message, event, uuid, ref, null);
        }

        static Outcome failed(QueuedMessage message, String uuid, String ref, String failure) {
            return new Outcome(message, null, uuid, ref, failure);
        }
    }

    private Outcome handle(QueuedMessage message, String requestId) {
        EncryptRequest request;
        try {
            request = RequestMessages.decode(message.body(), limits);
        } catch (RejectedMessageException e) {
            String uuid = e.id().map(Object::toString).orElse(null);
            LOG.warn("message.rejected", fields(message, requestId, uuid, e.ref().orElse(null), e.reason()));
            metrics.add("RecordsRejected", 1);
            return Outcome.announce(message, EventPublisher.rejected(
                    new RecordRejected(message.messageId(), e.id(), e.ref(), e.reason())), uuid, e.ref().orElse(null));
        }
        try {
            return store(message, request, requestId);
        } catch (RuntimeException e) {
            return Outcome.failed(message, request.id().toString(), request.ref().orElse(null), e.getClass().getSimpleName());
        }
    }

    private Outcome store(QueuedMessage message, EncryptRequest request, String requestId) {
        SealedRecord sealed = aead.seal(request.plaintext().getBytes(StandardCharsets.UTF_8), request.id());
        StoredRecord record = new StoredRecord(request.id(), sealed, request.ref(), clock.instant());
        StoredRecord kept = switch (records.putIfAbsent(record)) {
            case CREATED -> {
                metrics.add("RecordsStored", 1);
                yield record;
            }
            case ALREADY_STORED -> {
                metrics.add("RecordsRedelivered", 1);
                yield records.get(request.id()).orElse(record);
            }
        };
        LOG.debug("record.stored", fields(message, requestId, request.id().toString(), request.ref().orElse(null), null));
        return Outcome.announce(message, EventPublisher.stored(
                new RecordStored(kept.id(), kept.ref(), kept.createdAt(), kept.sealed().dataKeyId())),
                request.id().toString(), request.ref().orElse(null));
    }

    private Outcome await(Future<Outcome> future, QueuedMessage message, String requestId) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            return Outcome.failed(message, null, null, e.getCause().getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.failed(message, null, null, "interrupted");
        }
    }

    /**
     * Sends the events of the batch; a message that failed, or whose event was not accepted, is
     * delivered again. Events of other messages are unaffected.
     */
    private List<String> announce(List<Outcome> outcomes, String requestId) {
        List<String> retry = new ArrayList<>();
        List<Outcome> toAnnounce = new ArrayList<>();
        for (Outcome outcome : outcomes) {
            if (outcome.failure() != null) {
                fail(outcome, requestId, outcome.failure());
                retry.add(outcome.message().messageId());
            } else {
                toAnnounce.add(outcome);
            }
        }
        boolean[] accepted;
        try {
            accepted = events.publish(toAnnounce.stream().map(Outcome::event).toList());
        } catch (RuntimeException e) {
            accepted = new boolean[toAnnounce.size()];
        }
        for (int i = 0; i < toAnnounce.size(); i++) {
            if (!accepted[i]) {
                fail(toAnnounce.get(i), requestId, "event not accepted");
                retry.add(toAnnounce.get(i).message().messageId());
            }
        }
        metrics.add("MessagesRetried", retry.size());
        return retry;
    }

    private void fail(Outcome outcome, String requestId, String reason) {
        LOG.warn("message.failed", fields(outcome.message(), requestId, outcome.uuid(), outcome.ref(), reason));
        try {
            failures.failed(outcome.message().messageId(), outcome.uuid(), reason);
        } catch (RuntimeException listenerFailed) {
            // Only a note for people; never a reason to fail the batch.
        }
    }

    private static Map<String, Object> fields(QueuedMessage message, String requestId, String uuid, String ref, String reason) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (requestId != null && !requestId.isEmpty()) {
            fields.put("requestId", requestId);
        }
        fields.put("messageId", message.messageId());
        if (uuid != null) {
            fields.put("uuid", uuid);
        }
        if (ref != null) {
            fields.put("ref", ref);
        }
        if (reason != null) {
            fields.put("reason", reason);
        }
        return fields;
    }
}
