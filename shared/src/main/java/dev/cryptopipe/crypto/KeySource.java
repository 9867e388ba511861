package dev.cryptopipe.crypto;

/**
 * Where data keys come from and how they are unwrapped again; the only way the crypto
 * package reaches KMS. Implementations persist a new key's wrapped form before returning it.
 */
public interface KeySource {
    /** A fresh data key, already stored in wrapped form. The caller owns one reference. */
    DataKey generate();

    /**
     * The data key with this id, unwrapped. The caller owns one reference.
     *
     * @throws IntegrityException if there is no such key or it cannot be unwrapped as stored
     */
    DataKey unwrap(String dataKeyId);
}
