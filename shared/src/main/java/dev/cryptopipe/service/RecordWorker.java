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

    private final RecordAead aead;
    private final RecordStore records;
    private final EventPublisher events;
    private final Limits limits;
    private final Clock clock;
    private final Metrics metrics = new Metrics("worker");

    public RecordWorker(RecordAead aead, RecordStore records, EventPublisher events, Limits limits, Clock clock) {
        this.aead = aead;
        this.records = records;
        this.events = events;
        this.limits = limits;
        this.clock = clock;
    }

    public static RecordWorker fromConfig(WorkerConfig config) {
        DynamoDbClient dynamo = SdkClients.build(DynamoDbClient.builder());
        KmsClient kms = SdkClients.build(KmsClient.builder());
        EventBridgeClient eventBridge = SdkClients.build(EventBridgeClient.builder());
        Clock clock = Clock.systemUTC();
        KmsKeySource keys = new KmsKeySource(kms, new DataKeyStore(dynamo, config.dataKeysTable()), config.keyId(), clock);
        RecordAead aead = EnvelopeAead.builder(keys)
                .maxRecordsPerDataKey(config.dataKeyMaxRecords())
                .maxDataKeyAge(config.dataKeyMaxAge())
                .build();
        return new RecordWorker(aead, new RecordStore(dynamo, config.recordsTable()),
                new EventPublisher(eventBridge, config.eventBusName()), config.limits(), clock);
    }

    /** Processes the batch concurrently and returns the ids of the messages to deliver again. */
    public List<String> process(List<QueuedMessage> batch) {
        List<Outcome> outcomes = new ArrayList<>(batch.size());
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Outcome>> futures = new ArrayList<>(batch.size());
            for (QueuedMessage message : batch) {
                futures.add(executor.submit(() -> handle(message)));
            }
            for (int i = 0; i < futures.size(); i++) {
                outcomes.add(await(futures.get(i), batch.get(i)));
            }
        }
        List<String> retry = announce(outcomes);
        metrics.flush();
        return retry;
    }

    /** What became of one message before its event is sent. */
    private record Outcome(QueuedMessage message, Event event, String failure) {
        static Outcome announce(QueuedMessage message, Event event) {
            return new Outcome(message, event, null);
        }

        static Outcome failed(QueuedMessage message, String failure) {
            return new Outcome(message, null, failure);
        }
    }

    private Outcome handle(QueuedMessage message) {
        EncryptRequest request;
        try {
            request = RequestMessages.decode(message.body(), limits);
        } catch (RejectedMessageException e) {
            LOG.warn("message.rejected", fields(message, e.id().map(Object::toString).orElse(null), e.ref().orElse(null), e.reason()));
            metrics.add("RecordsRejected", 1);
            return Outcome.announce(message, EventPublisher.rejected(
                    new RecordRejected(message.messageId(), e.id(), e.ref(), e.reason())));
        }
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
        LOG.debug("record.stored", fields(message, request.id().toString(), request.ref().orElse(null), null));
        return Outcome.announce(message, EventPublisher.stored(
                new RecordStored(kept.id(), kept.ref(), kept.createdAt(), kept.sealed().dataKeyId())));
    }

    private Outcome await(Future<Outcome> future, QueuedMessage message) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            LOG.warn("message.failed", fields(message, null, null, cause.getClass().getSimpleName()));
            return Outcome.failed(message, cause.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.failed(message, "interrupted");
        }
    }

    /** Sends the events of the batch; a message whose event was not accepted is delivered again. */
    private List<String> announce(List<Outcome> outcomes) {
        List<String> retry = new ArrayList<>();
        List<Outcome> toAnnounce = new ArrayList<>();
        for (Outcome outcome : outcomes) {
            if (outcome.failure() != null) {
                retry.add(outcome.message().messageId());
            } else {
                toAnnounce.add(outcome);
            }
        }
        boolean[] accepted;
        try {
            accepted = events.publish(toAnnounce.stream().map(Outcome::event).toList());
        } catch (RuntimeException e) {
            LOG.warn("events.failed", Map.of("exception", e.getClass().getSimpleName(), "count", toAnnounce.size()));
            accepted = new boolean[toAnnounce.size()];
        }
        for (int i = 0; i < toAnnounce.size(); i++) {
            if (!accepted[i]) {
                retry.add(toAnnounce.get(i).message().messageId());
            }
        }
        metrics.add("MessagesRetried", retry.size());
        return retry;
    }

    private static Map<String, Object> fields(QueuedMessage message, String uuid, String ref, String reason) {
        Map<String, Object> fields = new LinkedHashMap<>();
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
