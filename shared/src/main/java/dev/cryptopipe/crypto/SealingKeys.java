package dev.cryptopipe.crypto;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The worker's current data key: reused for at most {@code maxRecords} records and
 * {@code maxAge}, then replaced by a fresh one from the {@link KeySource}.
 */
final class SealingKeys {
    private final KeySource source;
    private final long maxRecords;
    private final Duration maxAge;
    private final Clock clock;
    private final KeyCacheListener listener;

    private DataKey current;
    private long uses;
    private Instant expiresAt = Instant.MIN;

    SealingKeys(KeySource source, long maxRecords, Duration maxAge, Clock clock) {
        this(source, maxRecords, maxAge, clock, KeyCacheListener.NONE);
    }

    SealingKeys(KeySource source, long maxRecords, Duration maxAge, Clock clock, KeyCacheListener listener) {
        if (maxRecords < 1 || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxRecords and maxAge must be positive");
        }
        this.source = source;
        this.maxRecords = maxRecords;
        this.maxAge = maxAge;
        this.clock = clock;
        this.listener = listener;
    }

    /** A key for sealing one record; the caller must {@link DataKey#release()} it. */
    synchronized DataKey acquire() {
        if (current == null || uses >= maxRecords || !clock.instant().isBefore(expiresAt)) {
            DataKey fresh = source.generate();
            listener.dataKeyGenerated();
            if (current != null) {
                current.release();
            }
            current = fresh;
            uses = 0;
            expiresAt = clock.instant().plus(maxAge);
        }
        uses++;
        current.retain();
        return current;
    }
}
