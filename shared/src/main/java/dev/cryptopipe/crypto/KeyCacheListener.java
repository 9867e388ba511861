package dev.cryptopipe.crypto;

/**
 * Told what the data-key caches did, so a service can count it (the worker's data keys
 * generated, the decrypt side's cache hits and KMS unwraps). Called on the sealing or opening
 * thread: implementations must be quick and thread safe. Gets no key, id or plaintext.
 */
public interface KeyCacheListener {
    /** Does nothing. */
    KeyCacheListener NONE = new KeyCacheListener() {
    };

    /** A fresh data key came from the key source (one KMS GenerateDataKey). */
    default void dataKeyGenerated() {
    }

    /** Opening found its data key already unwrapped: no KMS call. */
    default void openingKeyCacheHit() {
    }

    /** Opening had to unwrap its data key (one KMS Decrypt). */
    default void openingKeyUnwrapped() {
    }
}
