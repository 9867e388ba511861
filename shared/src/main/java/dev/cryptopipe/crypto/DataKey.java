package dev.cryptopipe.crypto;

import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An unwrapped data key shared by the caches and the threads sealing or opening with it.
 * It is reference counted so that its bytes are wiped as soon as the last user lets go,
 * never while a seal or open is still using it.
 */
public final class DataKey {
    public static final int LENGTH = 32;

    private final String id;
    private final String keyArn;
    private final Instant createdAt;
    private final byte[] material;
    private final AtomicInteger references = new AtomicInteger(1);

    /** Takes ownership of {@code material}: the caller must not keep or wipe it. */
    public DataKey(String id, String keyArn, Instant createdAt, byte[] material) {
        if (material == null || material.length != LENGTH) {
            throw new IllegalArgumentException("a data key is " + LENGTH + " bytes");
        }
        this.id = id;
        this.keyArn = keyArn;
        this.createdAt = createdAt;
        this.material = material;
    }

    public String id() {
        return id;
    }

    /** The KMS key that wraps this data key. */
    public String keyArn() {
        return keyArn;
    }

    public Instant createdAt() {
        return createdAt;
    }

    byte[] material() {
        return material;
    }

    /** Adds a user; false once the key has been wiped. */
    boolean retain() {
        while (true) {
            int current = references.get();
            if (current == 0) {
                return false;
            }
            if (references.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Drops a user; the last one wipes the key bytes. */
    public void release() {
        if (references.decrementAndGet() == 0) {
            Arrays.fill(material, (byte) 0);
        }
    }

    boolean isWiped() {
        return references.get() == 0;
    }

    @Override
    public String toString() {
        return "DataKey[" + id + "]";
    }
}
