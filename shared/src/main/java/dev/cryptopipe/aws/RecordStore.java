package dev.cryptopipe.aws;

import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.core.StoredRecord;
import dev.cryptopipe.crypto.SealedRecord;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The records table: {@code id} (S), {@code v} (N), {@code dk} (S), {@code iv} (B), {@code ct} (B),
 * {@code cmt} (B), {@code ref} (S, optional), {@code createdAt} (S).
 */
public final class RecordStore {
    /** Whether a put wrote the record or found it already stored (a redelivery). */
    public enum PutOutcome { CREATED, ALREADY_STORED }

    private final DynamoDbClient dynamo;
    private final String table;

    public RecordStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** A record is written once: the first sealed version of a uuid is the one kept. */
    public PutOutcome putIfAbsent(StoredRecord record) {
        try {
            dynamo.putItem(put -> put
                    .tableName(table)
                    .item(toItem(record))
                    .conditionExpression("attribute_not_exists(id)"));
            return PutOutcome.CREATED;
        } catch (ConditionalCheckFailedException e) {
            return PutOutcome.ALREADY_STORED;
        }
    }

    /** Consistent, so a record is readable as soon as its RecordStored event is out. */
    public Optional<StoredRecord> get(RecordId id) {
        Map<String, AttributeValue> item = dynamo.getItem(get -> get
                .tableName(table)
                .key(Map.of("id", AttributeValue.fromS(id.toString())))
                .consistentRead(true)).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(fromItem(id, item));
    }

    static Map<String, AttributeValue> toItem(StoredRecord record) {
        SealedRecord sealed = record.sealed();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("id", AttributeValue.fromS(record.id().toString()));
        item.put("v", AttributeValue.fromN(Integer.toString(sealed.version())));
        item.put("dk", AttributeValue.fromS(sealed.dataKeyId()));
        item.put("iv", AttributeValue.fromB(SdkBytes.fromByteArray(sealed.iv())));
        item.put("ct", AttributeValue.fromB(SdkBytes.fromByteArray(sealed.ciphertext())));
        item.put("cmt", AttributeValue.fromB(SdkBytes.fromByteArray(sealed.commitment())));
        record.ref().ifPresent(ref -> item.put("ref", AttributeValue.fromS(ref)));
        item.put("createdAt", AttributeValue.fromS(record.createdAt().toString()));
        return item;
    }

    static StoredRecord fromItem(RecordId id, Map<String, AttributeValue> item) {
        SealedRecord sealed = new SealedRecord(
                Integer.parseInt(item.get("v").n()),
                item.get("dk").s(),
                item.get("iv").b().asByteArray(),
                item.get("ct").b().asByteArray(),
                item.get("cmt").b().asByteArray());
        Optional<String> ref = Optional.ofNullable(item.get("ref")).map(AttributeValue::s);
        return new StoredRecord(id, sealed, ref, Instant.parse(item.get("createdAt").s()));
    }
}
