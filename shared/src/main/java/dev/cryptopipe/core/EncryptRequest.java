package dev.cryptopipe.core;

import java.time.Instant;
import java.util.Optional;

/**
 * One request to encrypt and store a plaintext under a uuid: what intake puts on the queue
 * and what a producer may send to the queue directly.
 */
public record EncryptRequest(RecordId id, String plaintext, Optional<String> ref, Instant acceptedAt) {
    public EncryptRequest {
        if (id == null || plaintext == null || ref == null || acceptedAt == null) {
            throw new IllegalArgumentException("id, plaintext, ref and acceptedAt are required");
        }
    }

    /** Never the plaintext: records are printed in logs and test failures. */
    @Override
    public String toString() {
        return "EncryptRequest[id=" + id + ", ref=" + ref.orElse("") + ", acceptedAt=" + acceptedAt + "]";
    }
}
