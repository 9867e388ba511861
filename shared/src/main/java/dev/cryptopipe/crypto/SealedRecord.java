package dev.cryptopipe.crypto;

import java.util.Arrays;

/**
 * The stored, sealed form of one record (crypto format version 1). Byte arrays are defensive
 * copies both ways: a sealed record is an immutable value.
 */
public record SealedRecord(int version, String dataKeyId, byte[] iv, byte[] ciphertext, byte[] commitment) {
    public SealedRecord {
        if (dataKeyId == null || iv == null || ciphertext == null || commitment == null) {
            throw new IllegalArgumentException("dataKeyId, iv, ciphertext and commitment are required");
        }
        iv = iv.clone();
        ciphertext = ciphertext.clone();
        commitment = commitment.clone();
    }

    @Override
    public byte[] iv() {
        return iv.clone();
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    @Override
    public byte[] commitment() {
        return commitment.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SealedRecord that
                && version == that.version
                && dataKeyId.equals(that.dataKeyId)
                && Arrays.equals(iv, that.iv)
                && Arrays.equals(ciphertext, that.ciphertext)
                && Arrays.equals(commitment, that.commitment);
    }

    @Override
    public int hashCode() {
        return 31 * dataKeyId.hashCode() + Arrays.hashCode(ciphertext);
    }

    @Override
    public String toString() {
        return "SealedRecord[v=" + version + ", dk=" + dataKeyId + ", ct=" + ciphertext.length + " bytes]";
    }
}
