package dev.cryptopipe.aws;

import java.time.Instant;

/** One item of the datakeys table: a data key as KMS wrapped it. Holds no plaintext key. */
public record WrappedDataKey(String id, byte[] encryptedKey, String keyArn, Instant createdAt) {
    public WrappedDataKey {
        encryptedKey = encryptedKey.clone();
    }

    @Override
    public byte[] encryptedKey() {
        return encryptedKey.clone();
    }
}
