package dev.cryptopipe.core;

import java.time.Instant;
import java.util.Optional;

/** The "RecordStored" event: a record is durably stored under this uuid. */
public record RecordStored(RecordId id, Optional<String> ref, Instant storedAt, String keyId) {
    public static final String DETAIL_TYPE = "RecordStored";
}
