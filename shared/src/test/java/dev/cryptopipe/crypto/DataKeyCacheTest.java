package dev.cryptopipe.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cryptopipe.core.RecordId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The sealing side's key reuse limits and the opening side's bounded, timed key cache. */
class DataKeyCacheTest {
    private static final byte[] PLAINTEXT = "cache test".getBytes(StandardCharsets.UTF_8);

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final FakeKeySource keys = new FakeKeySource(clock);

    // ---- sealing: DATA_KEY_MAX_RECORDS and DATA_KEY_MAX_AGE -----------------------------

    @Test
    void aDataKeySealsAtMostMaxRecordsRecords() {
        EnvelopeAead aead = EnvelopeAead.builder(keys).maxRecordsPerDataKey(3).build();

        List<String> dks = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            dks.add(aead.seal(PLAINTEXT, RecordId.random()).dataKeyId());
        }

        assertEquals(3, keys.generateCalls());
        assertEquals(List.of("dk-1", "dk-1", "dk-1", "dk-2", "dk-2", "dk-2", "dk-3"), dks);
    }

    @Test
    void maxRecordsOneMeansAFreshKeyPerRecord() {
        EnvelopeAead aead = EnvelopeAead.builder(keys).maxRecordsPerDataKey(1).build();

        for (int i = 0; i < 5; i++) {
            aead.seal(PLAINTEXT, RecordId.random());
        }

        assertEquals(5, keys.generateCalls());
    }

    @Test
    void aDataKeyOlderThanMaxAgeIsReplaced() {
        EnvelopeAead aead = EnvelopeAead.builder(keys)
                .maxRecordsPerDataKey(1_000)
                .maxDataKeyAge(Duration.ofMinutes(5))
                .clock(clock)
                .build();

        String first = aead.seal(PLAINTEXT, RecordId.random()).dataKeyId();
        clock.advance(Duration.ofMinutes(5).minusSeconds(1));
        String stillFresh = aead.seal(PLAINTEXT, RecordId.random()).dataKeyId();
        clock.advance(Duration.ofSeconds(1));
        String afterMaxAge = aead.seal(PLAINTEXT, RecordId.random()).dataKeyId();

        assertEquals(first, stillFresh);
        assertNotEquals(first, afterMaxAge);
        assertEquals(2, keys.generateCalls());
    }

    // ---- opening: one unwrap per data key -----------------------------------------------

    @Test
    void openingManyRecordsUnderOneDataKeyUnwrapsOnce() {
        EnvelopeAead worker = EnvelopeAead.builder(keys).build();
        List<RecordId> ids = new ArrayList<>();
        List<SealedRecord> sealed = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            RecordId id = RecordId.random();
            ids.add(id);
            sealed.add(worker.seal(PLAINTEXT, id));
        }
        EnvelopeAead reader = EnvelopeAead.builder(keys).build();

        for (int i = 0; i < 50; i++) {
            assertArrayEquals(PLAINTEXT, reader.open(sealed.get(i), ids.get(i)));
        }

        assertEquals(1, keys.generateCalls());
        assertEquals(1, keys.unwrapCalls());
    }

    @Test
    void concurrentOpensOfOneDataKeyShareASingleUnwrap() throws Exception {
        RecordId id = RecordId.random();
        SealedRecord sealed = EnvelopeAead.builder(keys).build().seal(PLAINTEXT, id);
        EnvelopeAead reader = EnvelopeAead.builder(keys).build();
        CountDownLatch gate = new CountDownLatch(1);
        keys.holdUnwrapsAt(gate);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<byte[]> results = new ConcurrentLinkedQueue<>();

        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    results.add(reader.open(sealed, id));
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        // Hold the first unwrap until every thread is parked: either waiting for that unwrap
        // (the behaviour under test) or, if misses were not shared, inside an unwrap of its own.
        keys.awaitFirstUnwrap();
        awaitAllParked(threads);
        gate.countDown();
        for (Thread thread : threads) {
            thread.join();
        }

        assertTrue(failures.isEmpty(), () -> "opens failed: " + failures);
        assertEquals(64, results.size());
        results.forEach(result -> assertArrayEquals(PLAINTEXT, result));
        assertEquals(1, keys.unwrapCalls());
    }

    @Test
    void anExpiredEntryIsUnwrappedAgain() {
        RecordId id = RecordId.random();
        SealedRecord sealed = EnvelopeAead.builder(keys).build().seal(PLAINTEXT, id);
        EnvelopeAead reader = EnvelopeAead.builder(keys).openCacheTtl(Duration.ofMinutes(1)).clock(clock).build();

        reader.open(sealed, id);
        clock.advance(Duration.ofSeconds(59));
        reader.open(sealed, id);
        assertEquals(1, keys.unwrapCalls(), "still within the ttl");

        clock.advance(Duration.ofSeconds(1));
        assertArrayEquals(PLAINTEXT, reader.open(sealed, id));
        assertEquals(2, keys.unwrapCalls(), "after the ttl the key is unwrapped again");
        assertTrue(isAllZero(keys.unwrapped("dk-1").get(0).material()), "the expired key is wiped");
        assertFalse(keys.unwrapped("dk-1").get(1).isWiped(), "its replacement is cached");
    }

    @Test
    void aFullCacheEvictsTheLeastRecentlyUsedKey() {
        EnvelopeAead worker = EnvelopeAead.builder(keys).maxRecordsPerDataKey(1).build();
        RecordId a = RecordId.random();
        RecordId b = RecordId.random();
        RecordId c = RecordId.random();
        SealedRecord sealedA = worker.seal(PLAINTEXT, a);
        SealedRecord sealedB = worker.seal(PLAINTEXT, b);
        SealedRecord sealedC = worker.seal(PLAINTEXT, c);
        EnvelopeAead reader = EnvelopeAead.builder(keys).openCacheSize(2).build();

        reader.open(sealedA, a);
        reader.open(sealedB, b);
        reader.open(sealedA, a); // A is now the most recently used
        assertEquals(2, keys.unwrapCalls());

        reader.open(sealedC, c); // evicts B, not A
        assertEquals(3, keys.unwrapCalls());
        assertTrue(isAllZero(keys.unwrapped(sealedB.dataKeyId()).get(0).material()), "the evicted key is wiped");

        reader.open(sealedA, a);
        assertEquals(3, keys.unwrapCalls(), "A stayed cached");
        reader.open(sealedB, b);
        assertEquals(4, keys.unwrapCalls(), "B was evicted");
    }

    // ---- wiping -------------------------------------------------------------------------

    @Test
    void aRetiredSealingKeyIsWipedOnceReleased() {
        EnvelopeAead aead = EnvelopeAead.builder(keys).maxRecordsPerDataKey(1).build();

        aead.seal(PLAINTEXT, RecordId.random());
        aead.seal(PLAINTEXT, RecordId.random());

        List<DataKey> issued = keys.generated();
        assertEquals(2, issued.size());
        assertTrue(isAllZero(issued.get(0).material()), "the retired key's bytes are zeroed");
        assertTrue(issued.get(0).isWiped());
        assertFalse(isAllZero(issued.get(1).material()), "the current key is still usable");
        assertFalse(issued.get(1).isWiped());
    }

    @Test
    void aSealingKeyInUseIsNotWipedWhenRetired() {
        SealingKeys sealing = new SealingKeys(keys, 1, Duration.ofMinutes(5), clock);

        DataKey inUse = sealing.acquire();
        sealing.acquire().release(); // retires the first key while it is still held

        assertFalse(inUse.isWiped());
        assertFalse(isAllZero(inUse.material()), "a key being used is never wiped under its user");
        inUse.release();
        assertTrue(isAllZero(inUse.material()));
    }

    @Test
    void anOpeningKeyInUseIsNotWipedWhenEvicted() {
        keys.put("dk-a", filled(1));
        keys.put("dk-b", filled(2));
        OpeningKeys opening = new OpeningKeys(keys, 1, Duration.ofMinutes(5), clock);

        DataKey inUse = opening.acquire("dk-a");
        opening.acquire("dk-b").release(); // evicts dk-a from the cache

        assertEquals(1, opening.size());
        assertFalse(isAllZero(inUse.material()), "a key being used is never wiped under its user");
        inUse.release();
        assertTrue(isAllZero(inUse.material()));
    }

    @Test
    void dataKeyMaterialIsZeroedAfterTheLastRelease() {
        byte[] material = filled(7);
        DataKey key = new DataKey("dk", FakeKeySource.KEY_ARN, Instant.EPOCH, material);

        assertTrue(key.retain());
        key.release();
        assertFalse(isAllZero(material), "one user is left");
        key.release();

        assertTrue(isAllZero(material));
        assertTrue(key.isWiped());
        assertFalse(key.retain(), "a wiped key cannot be retained again");
    }

    // ---- helpers ------------------------------------------------------------------------

    private static boolean isAllZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] filled(int value) {
        byte[] bytes = new byte[DataKey.LENGTH];
        java.util.Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static boolean parkedOrDone(Thread thread) {
        Thread.State state = thread.getState();
        return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING || state == Thread.State.TERMINATED;
    }

    /** Bounded wait (not a timing assertion) until every thread is parked or done. */
    private static void awaitAllParked(List<Thread> threads) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!threads.stream().allMatch(DataKeyCacheTest::parkedOrDone)) {
            if (System.nanoTime() > deadline) {
                fail("threads did not all reach the data-key cache");
            }
            Thread.onSpinWait();
        }
    }
}
