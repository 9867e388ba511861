package dev.cryptopipe.local.bench;

import dev.cryptopipe.local.LineOutputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Where the pipeline's subscriber prints its {@code RecordStored uuid=…} lines during a bench:
 * it notes each uuid seen and lets the bench wait until every uuid it expects has been seen.
 * The lines hold ids only, never a plaintext.
 */
final class StoredEvents extends LineOutputStream {
    private static final String PREFIX = "RecordStored ";
    private static final String UUID_FIELD = "uuid=";

    private final Map<String, Long> seen = new HashMap<>();
    private final Set<String> expected = new HashSet<>();
    private int missing;
    private int reserved;
    private long lastSeenNanos;

    @Override
    protected void onLine(String text) {
        if (!text.startsWith(PREFIX)) {
            return;
        }
        int at = text.indexOf(UUID_FIELD);
        if (at < 0) {
            return;
        }
        int end = text.indexOf(' ', at);
        String uuid = text.substring(at + UUID_FIELD.length(), end < 0 ? text.length() : end);
        long now = System.nanoTime();
        if (seen.putIfAbsent(uuid, now) == null && expected.contains(uuid)) {
            missing--;
            lastSeenNanos = Math.max(lastSeenNanos, now);
            notifyAll();
        }
    }

    /** Forgets earlier runs: from now on only the uuids passed to {@link #expect} count. */
    synchronized void reset() {
        seen.clear();
        expected.clear();
        missing = 0;
        reserved = 0;
        lastSeenNanos = 0;
    }

    /**
     * A producer's window: waits until {@code records} more fit under {@code window} records accepted
     * (or being submitted) but not yet seen stored, then reserves them for a request being sent.
     */
    synchronized void reserve(int records, int window, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (reserved + missing > 0 && reserved + missing + records > window) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException(missing + " records accepted but not stored within " + timeout.toSeconds() + " s");
            }
            wait(Math.max(1, left / 1_000_000));
        }
        reserved += records;
    }

    /** The answer to a reserved request: its records are now expected (or, if refused, no longer reserved). */
    synchronized void answered(int reservedRecords, Collection<String> uuids) {
        reserved -= reservedRecords;
        expect(uuids);
        notifyAll();
    }

    synchronized void expect(Collection<String> uuids) {
        for (String uuid : uuids) {
            if (expected.add(uuid)) {
                Long seenAt = seen.get(uuid);
                if (seenAt == null) {
                    missing++;
                } else {
                    lastSeenNanos = Math.max(lastSeenNanos, seenAt);
                }
            }
        }
    }

    /** Waits until every expected uuid has been seen; returns the nanoTime of the last one, or -1 on timeout. */
    synchronized long awaitAll(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (missing > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return -1;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return lastSeenNanos;
    }

    synchronized int missing() {
        return missing;
    }
}
