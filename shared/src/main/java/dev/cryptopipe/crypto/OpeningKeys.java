package dev.cryptopipe.crypto;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Unwrapped data keys by id, bounded in size and age, so reading many records sealed under
 * one data key costs one unwrap. Concurrent misses for the same id share a single unwrap.
 */
final class OpeningKeys {
    private record Entry(DataKey key, Instant expiresAt) {
    }

    private final KeySource source;
    private final int maxEntries;
    private final Duration ttl;
    private final Clock clock;
    private final KeyCacheListener listener;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, CompletableFuture<DataKey>> inFlight = new LinkedHashMap<>();

    OpeningKeys(KeySource source, int maxEntries, Duration ttl, Clock clock) {
        this(source, maxEntries, ttl, clock, KeyCacheListener.NONE);
    }

    OpeningKeys(KeySource source, int maxEntries, Duration ttl, Clock clock, KeyCacheListener listener) {
        if (maxEntries < 1 || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("maxEntries and ttl must be positive");
        }
        this.source = source;
        this.maxEntries = maxEntries;
        this.ttl = ttl;
        this.clock = clock;
        this.listener = listener;
    }

    /** The key for opening; the caller must {@link DataKey#release()} it. */
    DataKey acquire(String dataKeyId) {
        CompletableFuture<DataKey> pending;
        boolean unwrapHere = false;
        synchronized (this) {
            DataKey cached = cached(dataKeyId);
            if (cached != null) {
                listener.openingKeyCacheHit();
                return cached;
            }
            pending = inFlight.get(dataKeyId);
            if (pending == null) {
                pending = new CompletableFuture<>();
                inFlight.put(dataKeyId, pending);
                unwrapHere = true;
            }
        }
        if (unwrapHere) {
            return unwrapAndCache(dataKeyId, pending);
        }
        DataKey shared = join(pending);
        // The unwrapping thread and the cache may both have let go by now; then look again.
        if (shared.retain()) {
            listener.openingKeyCacheHit(); // a concurrent miss shared another thread's unwrap
            return shared;
        }
        return acquire(dataKeyId);
    }

    private DataKey unwrapAndCache(String dataKeyId, CompletableFuture<DataKey> pending) {
        try {
            DataKey key = source.unwrap(dataKeyId);
            listener.openingKeyUnwrapped();
            key.retain();
            synchronized (this) {
                put(dataKeyId, key);
                inFlight.remove(dataKeyId);
            }
            pending.complete(key);
            return key;
        } catch (RuntimeException e) {
            synchronized (this) {
                inFlight.remove(dataKeyId);
            }
            pending.completeExceptionally(e);
            throw e;
        }
    }

    private static DataKey join(CompletableFuture<DataKey> pending) {
        try {
            return pending.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    /** Called with the lock held; returns a retained key or null. */
    private DataKey cached(String dataKeyId) {
        Entry entry = entries.get(dataKeyId);
        if (entry == null) {
            return null;
        }
        if (!clock.instant().isBefore(entry.expiresAt())) {
            entries.remove(dataKeyId);
            entry.key().release();
            return null;
        }
        entry.key().retain();
        return entry.key();
    }

    private void put(String dataKeyId, DataKey key) {
        Entry previous = entries.put(dataKeyId, new Entry(key, clock.instant().plus(ttl)));
        if (previous != null) {
            previous.key().release();
        }
        Iterator<Entry> eldest = entries.values().iterator();
        while (entries.size() > maxEntries && eldest.hasNext()) {
            eldest.next().key().release();
            eldest.remove();
        }
    }

    synchronized int size() {
        return entries.size();
    }
}
