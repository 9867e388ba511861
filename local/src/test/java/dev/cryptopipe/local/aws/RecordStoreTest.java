package dev.cryptopipe.local.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cryptopipe.aws.RecordStore;
import dev.cryptopipe.aws.RecordStore.PutOutcome;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.core.StoredRecord;
import dev.cryptopipe.crypto.SealedRecord;
import dev.cryptopipe.local.EmulatorExtension;
import dev.cryptopipe.local.emulator.Emulator;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/** {@link RecordStore} against a real DynamoDB API: one record per uuid, the first one kept. */
@ExtendWith(EmulatorExtension.class)
class RecordStoreTest {
    private static AwsResources aws;
    private static String table;
    private static RecordStore store;

    @BeforeAll
    static void createTable(Emulator emulator) {
        aws = new AwsResources();
        table = aws.table("cryptopipe-it-records", "id");
        store = new RecordStore(aws.dynamo, table);
    }

    @AfterAll
    static void removeTable() {
        aws.close();
    }

    private static StoredRecord record(RecordId id, Optional<String> ref, Instant createdAt) {
        SealedRecord sealed = new SealedRecord(1, UUID.randomUUID().toString(),
                AwsResources.randomBytes(12), AwsResources.randomBytes(57), AwsResources.randomBytes(32));
        return new StoredRecord(id, sealed, ref, createdAt);
    }

    @Test
    void firstPutCreatesAndASecondPutOfTheSameUuidKeepsTheFirst() {
        RecordId id = RecordId.random();
        StoredRecord first = record(id, Optional.of("first-" + aws.suffix), Instant.parse("2025-01-01T00:00:00.000000001Z"));
        StoredRecord second = record(id, Optional.of("second-" + aws.suffix), Instant.parse("2025-01-01T00:00:05Z"));

        assertEquals(PutOutcome.CREATED, store.putIfAbsent(first));
        assertEquals(PutOutcome.ALREADY_STORED, store.putIfAbsent(second));
        assertEquals(PutOutcome.ALREADY_STORED, store.putIfAbsent(first), "a redelivery of the same record");

        StoredRecord kept = store.get(id).orElseThrow();
        assertEquals(first.sealed(), kept.sealed(), "the first sealed version is kept, not overwritten");
        assertEquals(first.ref(), kept.ref());
        assertEquals(first.createdAt(), kept.createdAt());
    }

    @Test
    void getRoundTripsEveryField() {
        RecordId id = RecordId.random();
        StoredRecord stored = record(id, Optional.of("ref ✓ " + aws.suffix), Instant.parse("2025-03-04T05:06:07.891234Z"));
        assertEquals(PutOutcome.CREATED, store.putIfAbsent(stored));

        StoredRecord read = store.get(id).orElseThrow();

        assertEquals(id, read.id());
        assertEquals(1, read.sealed().version());
        assertEquals(stored.sealed().dataKeyId(), read.sealed().dataKeyId());
        assertArrayEquals(stored.sealed().iv(), read.sealed().iv());
        assertArrayEquals(stored.sealed().ciphertext(), read.sealed().ciphertext());
        assertArrayEquals(stored.sealed().commitment(), read.sealed().commitment());
        assertEquals(stored.ref(), read.ref());
        assertEquals(stored.createdAt(), read.createdAt());
    }

    @Test
    void itemHasTheDesignedAttributeTypes() {
        RecordId id = RecordId.random();
        StoredRecord stored = record(id, Optional.of("typed"), Instant.parse("2025-03-04T05:06:07Z"));
        store.putIfAbsent(stored);

        Map<String, AttributeValue> item = aws.dynamo.getItem(get -> get.tableName(table)
                .key(Map.of("id", AttributeValue.fromS(id.toString()))).consistentRead(true)).item();

        assertEquals(id.toString(), item.get("id").s());
        assertEquals("1", item.get("v").n());
        assertEquals(stored.sealed().dataKeyId(), item.get("dk").s());
        assertArrayEquals(stored.sealed().iv(), item.get("iv").b().asByteArray());
        assertArrayEquals(stored.sealed().ciphertext(), item.get("ct").b().asByteArray());
        assertArrayEquals(stored.sealed().commitment(), item.get("cmt").b().asByteArray());
        assertEquals("typed", item.get("ref").s());
        assertEquals("2025-03-04T05:06:07Z", item.get("createdAt").s());
    }

    @Test
    void recordWithoutRefHasNoRefAttribute() {
        RecordId id = RecordId.random();
        assertEquals(PutOutcome.CREATED, store.putIfAbsent(record(id, Optional.empty(), Instant.now())));

        Map<String, AttributeValue> item = aws.dynamo.getItem(get -> get.tableName(table)
                .key(Map.of("id", AttributeValue.fromS(id.toString()))).consistentRead(true)).item();
        assertFalse(item.containsKey("ref"));
        assertEquals(Optional.empty(), store.get(id).orElseThrow().ref());
    }

    @Test
    void getReadsConsistentlySoAnAnnouncedRecordIsReadableAtOnce() {
        // An emulator is always consistent, so only the request can show it: look at it on the wire.
        List<GetItemRequest> gets = new CopyOnWriteArrayList<>();
        try (DynamoDbClient watched = DynamoDbClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(override -> override.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        if (context.request() instanceof GetItemRequest get) {
                            gets.add(get);
                        }
                    }
                }))
                .build()) {
            RecordId id = RecordId.random();
            RecordStore watchedStore = new RecordStore(watched, table);
            watchedStore.putIfAbsent(record(id, Optional.empty(), Instant.now()));

            assertTrue(watchedStore.get(id).isPresent());
            assertEquals(1, gets.size());
            assertEquals(Boolean.TRUE, gets.getFirst().consistentRead(), "GetItem of a record is strongly consistent");
        }
    }

    @Test
    void getOfAnUnknownUuidIsEmpty() {
        assertTrue(store.get(RecordId.random()).isEmpty());
    }
}
