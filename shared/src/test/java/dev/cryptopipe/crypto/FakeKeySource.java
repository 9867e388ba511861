package dev.cryptopipe.crypto;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory stand-in for KMS plus the datakeys table. It counts calls, keeps every
 * {@link DataKey} object it hands out (so tests can check wiping), and can hold unwraps at a gate
 * (so tests can make concurrent callers overlap).
 */
final class FakeKeySource implements KeySource {
    static final String KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/test";

    private final Map<String, byte[]> stored = new ConcurrentHashMap<>();
    private final List<DataKey> generated = new ArrayList<>();
    private final List<DataKey> unwrapped = new ArrayList<>();
    private final AtomicInteger generateCalls = new AtomicInteger();
    private final AtomicInteger unwrapCalls = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    private volatile CountDownLatch unwrapGate;
    private final CountDownLatch unwrapEntered = new CountDownLatch(1);

    FakeKeySource() {
        this(Clock.systemUTC());
    }

    FakeKeySource(Clock clock) {
        this.clock = clock;
    }

    @Override
    public DataKey generate() {
        String id = "dk-" + generateCalls.incrementAndGet();
        byte[] material = new byte[DataKey.LENGTH];
        random.nextBytes(material);
        stored.put(id, material.clone());
        DataKey key = new DataKey(id, KEY_ARN, clock.instant(), material);
        synchronized (this) {
            generated.add(key);
        }
        return key;
    }

    @Override
    public DataKey unwrap(String dataKeyId) {
        unwrapCalls.incrementAndGet();
        unwrapEntered.countDown();
        CountDownLatch gate = unwrapGate;
        if (gate != null) {
            try {
                if (!gate.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never opened the unwrap gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        byte[] material = stored.get(dataKeyId);
        if (material == null) {
            throw new IntegrityException("data key " + dataKeyId + " does not exist");
        }
        DataKey key = new DataKey(dataKeyId, KEY_ARN, Instant.EPOCH, material.clone());
        synchronized (this) {
            unwrapped.add(key);
        }
        return key;
    }

    /** Stores a data key with known material, as if generated earlier. */
    void put(String id, byte[] material) {
        stored.put(id, material.clone());
    }

    /** The stored (unwrapped) material of a key, as KMS would return it. */
    byte[] material(String id) {
        return stored.get(id).clone();
    }

    int generateCalls() {
        return generateCalls.get();
    }

    int unwrapCalls() {
        return unwrapCalls.get();
    }

    /** Every DataKey object generate() handed out, in order. */
    synchronized List<DataKey> generated() {
        return List.copyOf(generated);
    }

    /** Every DataKey object unwrap() handed out for this id, in order. */
    synchronized List<DataKey> unwrapped(String dataKeyId) {
        return unwrapped.stream().filter(key -> key.id().equals(dataKeyId)).toList();
    }

    /** From now on unwraps wait until {@code gate} opens. */
    void holdUnwrapsAt(CountDownLatch gate) {
        this.unwrapGate = gate;
    }

    /** Waits for the first unwrap to start. */
    void awaitFirstUnwrap() throws InterruptedException {
        if (!unwrapEntered.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no unwrap started");
        }
    }
}
