package dev.cryptopipe.aws;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/** The datakeys table: {@code dk} (S), {@code edk} (B), {@code kid} (S), {@code createdAt} (S). */
public final class DataKeyStore {
    private final DynamoDbClient dynamo;
    private final String table;

    public DataKeyStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /**
     * Written before any record that uses the key; a data key id is never reused. If the item
     * is already there with this very key (an earlier attempt whose answer was lost, retried
     * by the SDK), that is success.
     */
    public void put(WrappedDataKey key) {
        try {
            write(key);
        } catch (ConditionalCheckFailedException e) {
            boolean ours = get(key.id())
                    .map(existing -> Arrays.equals(existing.encryptedKey(), key.encryptedKey()))
                    .orElse(false);
            if (!ours) {
                throw e;
            }
        }
    }

    private void write(WrappedDataKey key) {
        dynamo.putItem(put -> put
                .tableName(table)
                .item(Map.of(
                        "dk", AttributeValue.fromS(key.id()),
                        "edk", AttributeValue.fromB(SdkBytes.fromByteArray(key.encryptedKey())),
                        "kid", AttributeValue.fromS(key.keyArn()),
                        "createdAt", AttributeValue.fromS(key.createdAt().toString())))
                .conditionExpression("attribute_not_exists(dk)"));
    }

    /** Consistent, because a record may be read right after its data key was first written. */
    public Optional<WrappedDataKey> get(String id) {
        Map<String, AttributeValue> item = dynamo.getItem(get -> get
                .tableName(table)
                .key(Map.of("dk", AttributeValue.fromS(id)))
                .consistentRead(true)).item();
        if (item == null || item.isEmpty() || !item.containsKey("edk")) {
            return Optional.empty();
        }
        return Optional.of(new WrappedDataKey(
                id,
                item.get("edk").b().asByteArray(),
                item.get("kid").s(),
                Instant.parse(item.get("createdAt").s())));
    }
}
