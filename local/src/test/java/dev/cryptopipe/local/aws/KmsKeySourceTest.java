package dev.cryptopipe.local.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cryptopipe.aws.DataKeyStore;
import dev.cryptopipe.aws.KmsKeySource;
import dev.cryptopipe.aws.WrappedDataKey;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.crypto.DataKey;
import dev.cryptopipe.crypto.EnvelopeAead;
import dev.cryptopipe.crypto.IntegrityException;
import dev.cryptopipe.crypto.SealedRecord;
import dev.cryptopipe.local.EmulatorExtension;
import dev.cryptopipe.local.emulator.Emulator;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;

/**
 * {@link KmsKeySource} and {@link DataKeyStore} against a real KMS and DynamoDB API: data keys
 * are generated under the configured key, stored wrapped before use, and bound to their id by
 * the encryption context, so a wrapped key under another id never unwraps.
 */
@ExtendWith(EmulatorExtension.class)
class KmsKeySourceTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00.123Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static AwsResources aws;
    private static String keyArn;
    private static String alias;
    private static String table;
    private static DataKeyStore store;

    @BeforeAll
    static void createKeyAndTable(Emulator emulator) {
        aws = new AwsResources();
        keyArn = aws.key();
        alias = aws.alias(keyArn);
        table = aws.table("cryptopipe-it-datakeys", "dk");
        store = new DataKeyStore(aws.dynamo, table);
    }

    @AfterAll
    static void removeKeyAndTable() {
        aws.close();
    }

    /** A source as the worker builds it: new data keys under the alias. */
    private static KmsKeySource generating() {
        return new KmsKeySource(aws.kms, store, alias, CLOCK);
    }

    /** A source as the decrypt function builds it: unwrap only, nothing cached. */
    private static KmsKeySource unwrapping() {
        return new KmsKeySource(aws.kms, store, null, Clock.systemUTC());
    }

    @Test
    void generateStoresTheWrappedKeyBeforeReturningIt() {
        DataKey key = generating().generate();
        try {
            // Read straight from the table, not through the store: the item is there on return.
            Map<String, AttributeValue> item = aws.dynamo.getItem(get -> get.tableName(table)
                    .key(Map.of("dk", AttributeValue.fromS(key.id()))).consistentRead(true)).item();
            assertFalse(item.isEmpty(), "no datakeys item for " + key.id() + " once generate() returned");
            assertEquals(key.id(), item.get("dk").s());
            assertTrue(item.get("edk").b() != null && item.get("edk").b().asByteArray().length > 32,
                    "edk is a binary KMS ciphertext blob");
            assertEquals(keyArn, item.get("kid").s(), "kid is the ARN of the key behind the alias");
            assertEquals(NOW.toString(), item.get("createdAt").s());
            assertEquals(keyArn, key.keyArn());
            assertEquals(NOW, key.createdAt());
            UUID.fromString(key.id());
        } finally {
            key.release();
        }
    }

    @Test
    void everyGenerateMakesANewKeyWithItsOwnItem() {
        KmsKeySource source = generating();
        DataKey first = source.generate();
        DataKey second = source.generate();
        try {
            assertFalse(first.id().equals(second.id()));
            byte[] firstEdk = store.get(first.id()).orElseThrow().encryptedKey();
            byte[] secondEdk = store.get(second.id()).orElseThrow().encryptedKey();
            assertFalse(Arrays.equals(firstEdk, secondEdk));
        } finally {
            first.release();
            second.release();
        }
    }

    @Test
    void aFreshSourceUnwrapsTheSameKeyMaterial() {
        RecordId id = RecordId.random();
        byte[] plaintext = ("the same key on both sides ✓ " + aws.suffix).getBytes(StandardCharsets.UTF_8);
        SealedRecord sealed = EnvelopeAead.builder(generating()).build().seal(plaintext, id);

        // Another source with an empty cache: opening must unwrap the stored key through KMS.
        byte[] opened = EnvelopeAead.builder(unwrapping()).build().open(sealed, id);

        assertTrue(Arrays.equals(plaintext, opened), "the record did not open under the unwrapped key");
    }

    @Test
    void unwrapGivesTheStoredMetadata() {
        DataKey generated = generating().generate();
        generated.release();

        DataKey unwrapped = unwrapping().unwrap(generated.id());
        try {
            assertEquals(generated.id(), unwrapped.id());
            assertEquals(keyArn, unwrapped.keyArn());
            assertEquals(NOW, unwrapped.createdAt());
        } finally {
            unwrapped.release();
        }
    }

    @Test
    void kmsEnforcesTheEncryptionContextOfTheStoredKey() {
        DataKey key = generating().generate();
        key.release();
        SdkBytes edk = SdkBytes.fromByteArray(store.get(key.id()).orElseThrow().encryptedKey());

        // The right context opens it: the refusals below are the context's doing.
        assertEquals(32, aws.kms.decrypt(decrypt -> decrypt.ciphertextBlob(edk)
                .encryptionContext(KmsKeySource.encryptionContext(key.id()))).plaintext().asByteArray().length);
        assertEquals(Map.of("purpose", "cryptopipe-data-key", "dk", key.id()),
                KmsKeySource.encryptionContext(key.id()));

        String otherId = UUID.randomUUID().toString();
        assertThrows(InvalidCiphertextException.class, () -> aws.kms.decrypt(decrypt -> decrypt.ciphertextBlob(edk)
                .encryptionContext(KmsKeySource.encryptionContext(otherId))), "a wrong dk in the context");
        assertThrows(InvalidCiphertextException.class, () -> aws.kms.decrypt(decrypt -> decrypt.ciphertextBlob(edk)),
                "no context at all");
        assertThrows(InvalidCiphertextException.class, () -> aws.kms.decrypt(decrypt -> decrypt.ciphertextBlob(edk)
                .encryptionContext(Map.of("dk", key.id()))), "the context without its purpose");
    }

    @Test
    void unwrapOfAnUnknownDataKeyIsAnIntegrityFailure() {
        String unknown = UUID.randomUUID().toString();

        IntegrityException refused = assertThrows(IntegrityException.class, () -> unwrapping().unwrap(unknown));
        assertTrue(refused.getMessage().contains(unknown), refused.getMessage());
    }

    @Test
    void anEdkMovedToAnotherDataKeyIdDoesNotUnwrap() {
        KmsKeySource source = generating();
        DataKey victim = source.generate();
        DataKey donor = source.generate();
        victim.release();
        donor.release();
        WrappedDataKey donorItem = store.get(donor.id()).orElseThrow();
        // Overwrite the victim's edk with the donor's: the same KMS key wrapped it, only the
        // encryption context (which names the donor's dk) tells the two apart.
        Map<String, AttributeValue> swapped = new HashMap<>(aws.dynamo.getItem(get -> get.tableName(table)
                .key(Map.of("dk", AttributeValue.fromS(victim.id())))).item());
        swapped.put("edk", AttributeValue.fromB(SdkBytes.fromByteArray(donorItem.encryptedKey())));
        aws.dynamo.putItem(put -> put.tableName(table).item(swapped));

        assertThrows(IntegrityException.class, () -> unwrapping().unwrap(victim.id()));
        // The donor itself still unwraps: the failure is the swap, not a broken item.
        unwrapping().unwrap(donor.id()).release();
    }

    @Test
    void dataKeyStoreRoundTripsAnItemAndNeverOverwritesIt() {
        String id = UUID.randomUUID().toString();
        byte[] edk = AwsResources.randomBytes(150);
        WrappedDataKey first = new WrappedDataKey(id, edk, keyArn, NOW);
        store.put(first);

        WrappedDataKey read = store.get(id).orElseThrow();
        assertEquals(id, read.id());
        assertArrayEquals(edk, read.encryptedKey());
        assertEquals(keyArn, read.keyArn());
        assertEquals(NOW, read.createdAt());

        WrappedDataKey second = new WrappedDataKey(id, AwsResources.randomBytes(150), "arn:other", NOW.plusSeconds(1));
        assertThrows(ConditionalCheckFailedException.class, () -> store.put(second),
                "a data key id is never reused: the put is conditional");
        assertArrayEquals(edk, store.get(id).orElseThrow().encryptedKey(), "the first item is kept");

        assertTrue(store.get(UUID.randomUUID().toString()).isEmpty());
    }
}
