package dev.cryptopipe.core;

import dev.cryptopipe.crypto.SealedRecord;
import java.time.Instant;
import java.util.Optional;

/** One item of the records table: the sealed plaintext and what describes it. */
public record StoredRecord(RecordId id, SealedRecord sealed, Optional<String> ref, Instant createdAt) {
    public StoredRecord {
        if (id == null || sealed == null || ref == null || createdAt == null) {
            throw new IllegalArgumentException("id, sealed, ref and createdAt are required");
        }
    }
}
