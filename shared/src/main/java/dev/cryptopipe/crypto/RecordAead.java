package dev.cryptopipe.crypto;

import dev.cryptopipe.core.RecordId;

/**
 * Authenticated encryption of one record, bound to its id. Opening returns the exact sealed
 * plaintext or fails with {@link IntegrityException}; it never returns a wrong plaintext.
 */
public interface RecordAead {
    SealedRecord seal(byte[] plaintext, RecordId id);

    byte[] open(SealedRecord sealed, RecordId id);
}
