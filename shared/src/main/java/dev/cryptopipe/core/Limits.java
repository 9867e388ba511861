package dev.cryptopipe.core;

import java.nio.charset.StandardCharsets;

/** The size rules every way in applies before anything is queued or sealed. */
public record Limits(int maxPlaintextBytes) {
    public static final int DEFAULT_MAX_PLAINTEXT_BYTES = 131_072;
    public static final int MAX_REF_LENGTH = 256;

    public Limits {
        if (maxPlaintextBytes < 1) {
            throw new IllegalArgumentException("maxPlaintextBytes must be positive");
        }
    }

    /**
     * Plaintext is counted in UTF-8 bytes, which is what is sealed and stored. It must also be
     * text that survives the trip: an unpaired surrogate has no UTF-8 form (it would come back
     * as '?', a wrong plaintext), and SQS refuses U+FFFE and U+FFFF in a message.
     */
    public void checkPlaintext(String plaintext) {
        if (utf8Length(plaintext) > maxPlaintextBytes) {
            throw ApiException.tooLarge("plaintext is larger than " + maxPlaintextBytes + " bytes (UTF-8)");
        }
        int bad = firstUntransportable(plaintext);
        if (bad >= 0) {
            throw ApiException.badRequest("INVALID_FIELD", "plaintext has a character at index " + bad
                    + " that cannot be stored (an unpaired surrogate, U+FFFE or U+FFFF)");
        }
    }

    /** The index of the first unpaired surrogate, U+FFFE or U+FFFF, or -1. */
    static int firstUntransportable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c) || c == '\uFFFE' || c == '\uFFFF') {
                return i;
            }
        }
        return -1;
    }

    public void checkRef(String ref) {
        if (ref.isEmpty() || ref.length() > MAX_REF_LENGTH) {
            throw ApiException.badRequest("INVALID_REF", "ref must be 1 to " + MAX_REF_LENGTH + " characters");
        }
        for (int i = 0; i < ref.length(); i++) {
            if (Character.isISOControl(ref.charAt(i))) {
                throw ApiException.badRequest("INVALID_REF", "ref must not contain control characters");
            }
        }
    }

    static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
