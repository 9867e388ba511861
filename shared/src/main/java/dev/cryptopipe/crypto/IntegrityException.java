package dev.cryptopipe.crypto;

import dev.cryptopipe.core.ApiException;

/**
 * A sealed record that cannot be opened as stored: tampered, moved to another id, pointed at
 * another data key, or wrapped under a key we cannot use. Never carries plaintext or key bytes.
 */
public final class IntegrityException extends ApiException {
    public IntegrityException(String message) {
        super(500, "INTEGRITY_FAILURE", message);
    }
}
