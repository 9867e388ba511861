package dev.cryptopipe.aws;

import dev.cryptopipe.crypto.DataKey;
import dev.cryptopipe.crypto.IntegrityException;
import dev.cryptopipe.crypto.KeySource;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;

/**
 * Data keys from KMS {@code GenerateDataKey}, bound to their id by the encryption context
 * {@code {"purpose": "cryptopipe-data-key", "dk": id}}, and kept wrapped in the datakeys table.
 */
public final class KmsKeySource implements KeySource {
    public static final String PURPOSE = "cryptopipe-data-key";

    private final KmsClient kms;
    private final DataKeyStore store;
    private final String keyId;
    private final Clock clock;

    /** {@code keyId} is the key that wraps new data keys; null for a source that only unwraps. */
    public KmsKeySource(KmsClient kms, DataKeyStore store, String keyId, Clock clock) {
        this.kms = kms;
        this.store = store;
        this.keyId = keyId;
        this.clock = clock;
    }

    public static Map<String, String> encryptionContext(String dataKeyId) {
        return Map.of("purpose", PURPOSE, "dk", dataKeyId);
    }

    @Override
    public DataKey generate() {
        if (keyId == null) {
            throw new IllegalStateException("this key source has no KMS key to generate data keys under");
        }
        String id = UUID.randomUUID().toString();
        GenerateDataKeyResponse response = kms.generateDataKey(request -> request
                .keyId(keyId)
                .keySpec(DataKeySpec.AES_256)
                .encryptionContext(encryptionContext(id)));
        DataKey key = new DataKey(id, response.keyId(), clock.instant(), response.plaintext().asByteArrayUnsafe());
        try {
            store.put(new WrappedDataKey(id, response.ciphertextBlob().asByteArray(), response.keyId(), key.createdAt()));
        } catch (RuntimeException e) {
            key.release();
            throw e;
        }
        return key;
    }

    @Override
    public DataKey unwrap(String dataKeyId) {
        WrappedDataKey wrapped = store.get(dataKeyId)
                .orElseThrow(() -> new IntegrityException("data key " + dataKeyId + " does not exist"));
        try {
            var response = kms.decrypt(request -> request
                    .ciphertextBlob(SdkBytes.fromByteArray(wrapped.encryptedKey()))
                    .encryptionContext(encryptionContext(dataKeyId)));
            return new DataKey(dataKeyId, response.keyId(), wrapped.createdAt(), response.plaintext().asByteArrayUnsafe());
        } catch (InvalidCiphertextException e) {
            throw new IntegrityException("data key " + dataKeyId + " cannot be unwrapped as stored");
        }
    }
}
