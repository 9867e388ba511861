package dev.cryptopipe.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;
import java.util.regex.Pattern;

/** The uuid that names a record from intake to decrypt. */
public record RecordId(UUID value) {
    private static final Pattern CANONICAL =
            Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

    /** Namespace of idempotency-key uuids: fixed forever, or retried requests get new uuids. */
    private static final UUID IDEMPOTENCY_NAMESPACE = UUID.fromString("6f1c3f0e-9a52-4c1e-8a57-2f6a4c0d9b11");

    public RecordId {
        if (value == null) {
            throw new IllegalArgumentException("uuid is required");
        }
    }

    public static RecordId random() {
        return new RecordId(UUID.randomUUID());
    }

    /**
     * Parses the canonical 8-4-4-4-12 form only; {@link UUID#fromString} alone accepts
     * shortened groups such as "1-1-1-1-1", which would alias distinct inputs to one record.
     */
    public static RecordId parse(String text) {
        if (text == null || !CANONICAL.matcher(text).matches()) {
            throw ApiException.badRequest("INVALID_UUID", "uuid must be a canonical UUID such as 123e4567-e89b-12d3-a456-426614174000");
        }
        return new RecordId(UUID.fromString(text));
    }

    /**
     * A name-based (version 5) uuid over the caller's identity and its idempotency key, so the
     * same key from the same caller always names the same record and different callers never collide.
     */
    public static RecordId fromIdempotencyKey(String callerIdentity, String idempotencyKey) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by the JDK", e);
        }
        sha1.update(toBytes(IDEMPOTENCY_NAMESPACE));
        byte[] caller = callerIdentity.getBytes(StandardCharsets.UTF_8);
        sha1.update(ByteBuffer.allocate(4).putInt(caller.length).array());
        sha1.update(caller);
        sha1.update(idempotencyKey.getBytes(StandardCharsets.UTF_8));
        byte[] hash = sha1.digest();
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        ByteBuffer buffer = ByteBuffer.wrap(hash, 0, 16);
        return new RecordId(new UUID(buffer.getLong(), buffer.getLong()));
    }

    /** The 16 big-endian bytes of the uuid: the HKDF salt of the record. */
    public byte[] bytes() {
        return toBytes(value);
    }

    private static byte[] toBytes(UUID uuid) {
        return ByteBuffer.allocate(16)
                .putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits())
                .array();
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
