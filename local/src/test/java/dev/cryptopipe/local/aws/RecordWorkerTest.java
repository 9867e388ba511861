package dev.cryptopipe.local.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.aws.DataKeyStore;
import dev.cryptopipe.aws.EventPublisher;
import dev.cryptopipe.aws.KmsKeySource;
import dev.cryptopipe.aws.RecordStore;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.EncryptRequest;
import dev.cryptopipe.core.Limits;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.core.RequestMessages;
import dev.cryptopipe.core.StoredRecord;
import dev.cryptopipe.crypto.EnvelopeAead;
import dev.cryptopipe.local.EmulatorExtension;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.service.RecordReader;
import dev.cryptopipe.service.RecordReader.DecryptedRecord;
import dev.cryptopipe.service.RecordWorker;
import dev.cryptopipe.service.RecordWorker.QueuedMessage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The worker and the reader on real clients: KMS data keys, DynamoDB records and data keys,
 * EventBridge events observed through a catch-all rule's queue. At least once in, exactly one
 * record out; a message that can never succeed is announced as rejected, not retried.
 */
@ExtendWith(EmulatorExtension.class)
class RecordWorkerTest {
    private static final int MAX_PLAINTEXT_BYTES = 1_024;
    private static final Limits LIMITS = new Limits(MAX_PLAINTEXT_BYTES);

    private static AwsResources aws;
    private static String recordsTable;
    private static String dataKeysTable;
    private static String bus;
    private static String eventsQueue;
    private static String alias;
    private static RecordStore records;
    private static DataKeyStore dataKeys;
    private static RecordWorker worker;

    @BeforeAll
    static void createStack(Emulator emulator) {
        aws = new AwsResources();
        recordsTable = aws.table("cryptopipe-it-worker-records", "id");
        dataKeysTable = aws.table("cryptopipe-it-worker-datakeys", "dk");
        alias = aws.alias(aws.key());
        bus = aws.bus("cryptopipe-it-worker-bus");
        eventsQueue = aws.queue("cryptopipe-it-worker-events");
        aws.rule(bus, "cryptopipe-it-worker-all", "{\"source\": [\"cryptopipe\"]}", eventsQueue);
        records = new RecordStore(aws.dynamo, recordsTable);
        dataKeys = new DataKeyStore(aws.dynamo, dataKeysTable);
        worker = worker(bus);
    }

    @AfterAll
    static void removeStack() {
        aws.close();
    }

    /** A worker as {@link RecordWorker#fromConfig} builds it, on this class's resources. */
    private static RecordWorker worker(String busName) {
        Clock clock = Clock.systemUTC();
        KmsKeySource keys = new KmsKeySource(aws.kms, dataKeys, alias, clock);
        return new RecordWorker(EnvelopeAead.builder(keys).build(), records,
                new EventPublisher(aws.events, busName), LIMITS, clock);
    }

    /** A reader as the decrypt function builds it: its own key source and empty key cache. */
    private static RecordReader reader() {
        KmsKeySource keys = new KmsKeySource(aws.kms, dataKeys, null, Clock.systemUTC());
        return new RecordReader(records, EnvelopeAead.builder(keys).build());
    }

    private static QueuedMessage message(EncryptRequest request) {
        return new QueuedMessage(UUID.randomUUID().toString(), RequestMessages.encode(request));
    }

    @Test
    void batchStoresTheGoodMessagesAndRejectsTheOthersWithoutRetry() {
        Map<RecordId, EncryptRequest> good = new LinkedHashMap<>();
        for (String plaintext : List.of("first secret " + aws.suffix, "zweites Geheimnis ✓ 𝄞", "")) {
            EncryptRequest request = new EncryptRequest(RecordId.random(), plaintext,
                    good.size() == 1 ? Optional.empty() : Optional.of("ref-" + good.size() + "-" + aws.suffix),
                    Instant.now());
            good.put(request.id(), request);
        }
        RecordId oversizeId = RecordId.random();
        String oversizePlaintext = "x".repeat(MAX_PLAINTEXT_BYTES + 1);
        EncryptRequest oversize = new EncryptRequest(oversizeId, oversizePlaintext, Optional.of("too-big"), Instant.now());
        QueuedMessage notJson = new QueuedMessage("not-json-" + UUID.randomUUID(), "this is { not JSON " + aws.suffix);
        QueuedMessage tooLarge = message(oversize);
        List<QueuedMessage> batch = new ArrayList<>(good.values().stream().map(RecordWorkerTest::message).toList());
        batch.add(1, notJson);
        batch.add(tooLarge);

        List<String> retry = worker.process(batch);

        assertEquals(List.of(), retry, "no message of the batch is delivered again");

        // Three records, sealed; nothing for the oversize request.
        Set<String> batchIds = good.keySet().stream().map(RecordId::toString).collect(Collectors.toSet());
        Set<String> stored = scanIds(id -> batchIds.contains(id) || id.equals(oversizeId.toString()));
        assertEquals(batchIds, stored, "exactly the three good messages are stored");
        Map<RecordId, StoredRecord> kept = new LinkedHashMap<>();
        for (RecordId id : good.keySet()) {
            StoredRecord record = records.get(id).orElseThrow();
            assertEquals(good.get(id).ref(), record.ref());
            assertTrue(dataKeys.get(record.sealed().dataKeyId()).isPresent(), "the record's data key is stored");
            kept.put(id, record);
        }

        // Events: 3 RecordStored for the records, 2 RecordRejected for the others.
        List<Message> received = aws.receiveUntil(eventsQueue, messages ->
                storedUuids(messages).containsAll(batchIds)
                        && rejectedMessageIds(messages).containsAll(Set.of(notJson.messageId(), tooLarge.messageId())));
        List<JsonNode> storedEvents = AwsResources.events(received, "RecordStored").stream()
                .filter(event -> batchIds.contains(event.path("detail").path("uuid").asText())).toList();
        assertEquals(3, storedEvents.size(), "one RecordStored per stored record");
        for (JsonNode event : storedEvents) {
            JsonNode detail = event.path("detail");
            StoredRecord record = kept.get(RecordId.parse(detail.path("uuid").asText()));
            assertEquals(record.ref().orElse(null), detail.has("ref") ? detail.get("ref").asText() : null, "ref");
            assertEquals(record.createdAt().toString(), detail.path("storedAt").asText());
            assertEquals(record.sealed().dataKeyId(), detail.path("keyId").asText());
        }
        Map<String, JsonNode> rejected = AwsResources.events(received, "RecordRejected").stream()
                .map(event -> event.path("detail"))
                .collect(Collectors.toMap(detail -> detail.path("messageId").asText(), detail -> detail, (a, b) -> a));
        assertTrue(rejected.keySet().containsAll(Set.of(notJson.messageId(), tooLarge.messageId())),
                "a RecordRejected for each message that can never be stored: " + rejected.keySet());
        JsonNode notJsonDetail = rejected.get(notJson.messageId());
        assertFalse(notJsonDetail.has("uuid"));
        assertEquals("message body is not JSON", notJsonDetail.path("reason").asText());
        JsonNode tooLargeDetail = rejected.get(tooLarge.messageId());
        assertEquals(oversizeId.toString(), tooLargeDetail.path("uuid").asText());
        assertEquals("too-big", tooLargeDetail.path("ref").asText());
        assertTrue(tooLargeDetail.path("reason").asText().contains(String.valueOf(MAX_PLAINTEXT_BYTES)),
                "the reason names the limit: " + tooLargeDetail.path("reason").asText());
        for (Message message : received) {
            for (EncryptRequest request : good.values()) {
                assertFalse(!request.plaintext().isEmpty() && message.body().contains(request.plaintext()),
                        "an event carries a plaintext");
            }
            assertFalse(message.body().contains(oversizePlaintext.substring(0, 64)), "an event carries a plaintext");
        }

        // The reader, with its own key cache, gets every plaintext back.
        RecordReader reader = reader();
        for (EncryptRequest request : good.values()) {
            DecryptedRecord read = reader.read(request.id());
            assertEquals(request.id(), read.id());
            assertEquals(request.ref(), read.ref());
            assertEquals(kept.get(request.id()).createdAt(), read.createdAt());
            assertTrue(request.plaintext().equals(read.plaintext()), "a plaintext did not read back as sealed");
        }
    }

    @Test
    void redeliveredMessageKeepsTheOneRecordAndIsAnnouncedAgain() {
        EncryptRequest request = new EncryptRequest(RecordId.random(), "delivered twice " + aws.suffix,
                Optional.of("again-" + aws.suffix), Instant.now());
        QueuedMessage delivery = message(request);

        assertEquals(List.of(), worker.process(List.of(delivery)));
        StoredRecord first = records.get(request.id()).orElseThrow();

        // SQS delivers the same message again (same id, same body), e.g. after a lost delete.
        assertEquals(List.of(), worker.process(List.of(delivery)), "a redelivery is a success");
        StoredRecord after = records.get(request.id()).orElseThrow();
        assertEquals(first.sealed(), after.sealed(), "the first sealed version is kept, not replaced");
        assertEquals(first.createdAt(), after.createdAt());
        assertEquals(Set.of(request.id().toString()), scanIds(id -> id.equals(request.id().toString())));

        String uuid = request.id().toString();
        List<Message> received = aws.receiveUntil(eventsQueue, messages -> countStored(messages, uuid) >= 2);
        List<JsonNode> announced = AwsResources.events(received, "RecordStored").stream()
                .filter(event -> uuid.equals(event.path("detail").path("uuid").asText())).toList();
        assertEquals(2, announced.size(), "announced once per delivery");
        for (JsonNode event : announced) {
            // Both describe the record that is kept, not the discarded second sealing.
            assertEquals(first.createdAt().toString(), event.path("detail").path("storedAt").asText());
            assertEquals(first.sealed().dataKeyId(), event.path("detail").path("keyId").asText());
            assertEquals("again-" + aws.suffix, event.path("detail").path("ref").asText());
        }

        assertTrue(request.plaintext().equals(reader().read(request.id()).plaintext()),
                "the kept record does not read back as sealed");
    }

    @Test
    void aBatchWhoseEventsCannotBeSentIsDeliveredAgain() {
        RecordWorker noBus = worker("cryptopipe-it-missing-bus-" + aws.suffix);
        EncryptRequest request = new EncryptRequest(RecordId.random(), "unannounced " + aws.suffix,
                Optional.empty(), Instant.now());
        QueuedMessage delivery = message(request);
        QueuedMessage rejected = new QueuedMessage("bad-" + UUID.randomUUID(), "[]");

        List<String> retry = noBus.process(List.of(delivery, rejected));

        assertEquals(Set.of(delivery.messageId(), rejected.messageId()), Set.copyOf(retry),
                "a message whose event was not sent is delivered again");
        // The record is stored all the same; the redelivery announces it.
        StoredRecord first = records.get(request.id()).orElseThrow();
        assertEquals(List.of(), worker.process(List.of(delivery)));
        assertEquals(first.sealed(), records.get(request.id()).orElseThrow().sealed());
        String uuid = request.id().toString();
        List<Message> received = aws.receiveUntil(eventsQueue, messages -> countStored(messages, uuid) >= 1);
        assertEquals(1, countStored(received, uuid));
    }

    @Test
    void readerAnswersNotFoundForAnUnknownUuid() {
        ApiException missing = assertThrows(ApiException.class, () -> reader().read(RecordId.random()));
        assertEquals(404, missing.status());
    }

    private static Set<String> scanIds(Predicate<String> wanted) {
        return aws.dynamo.scanPaginator(scan -> scan.tableName(recordsTable).consistentRead(true)).items().stream()
                .map(item -> item.get("id")).map(AttributeValue::s)
                .filter(wanted)
                .collect(Collectors.toSet());
    }

    private static long countStored(List<Message> messages, String uuid) {
        return AwsResources.events(messages, "RecordStored").stream()
                .filter(event -> uuid.equals(event.path("detail").path("uuid").asText()))
                .count();
    }

    private static Set<String> storedUuids(List<Message> messages) {
        return AwsResources.events(messages, "RecordStored").stream()
                .map(event -> event.path("detail").path("uuid").asText())
                .collect(Collectors.toSet());
    }

    private static Set<String> rejectedMessageIds(List<Message> messages) {
        return AwsResources.events(messages, "RecordRejected").stream()
                .map(event -> event.path("detail").path("messageId").asText())
                .collect(Collectors.toSet());
    }
}
