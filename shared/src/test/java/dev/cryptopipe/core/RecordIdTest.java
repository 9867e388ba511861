package dev.cryptopipe.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RecordIdTest {
    @ParameterizedTest
    @ValueSource(strings = {
            "123e4567-e89b-12d3-a456-426614174000",
            "123E4567-E89B-12D3-A456-426614174000",
            "00000000-0000-0000-0000-000000000000"})
    void parseAcceptsCanonicalUuids(String text) {
        RecordId id = RecordId.parse(text);

        assertEquals(UUID.fromString(text), id.value());
        assertEquals(text.toLowerCase(), id.toString());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
            "1-1-1-1-1",
            "not-a-uuid",
            "123e4567e89b12d3a456426614174000",
            "{123e4567-e89b-12d3-a456-426614174000}",
            " 123e4567-e89b-12d3-a456-426614174000",
            "123e4567-e89b-12d3-a456-426614174000\n",
            "123e4567-e89b-12d3-a456-4266141740001",
            "123e4567-e89b-12d3-a456-42661417400g"})
    void parseRejectsAnythingElseWith400(String text) {
        ApiException e = assertThrows(ApiException.class, () -> RecordId.parse(text));

        assertEquals(400, e.status());
        assertEquals("INVALID_UUID", e.code());
    }

    @Test
    void bytesAreTheSixteenBigEndianBytesOfTheUuid() {
        RecordId id = RecordId.parse("00010203-0405-0607-0809-0a0b0c0d0e0f");

        assertArrayEquals(HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f"), id.bytes());
    }

    @Test
    void idempotencyKeyUuidsAreDeterministic() {
        assertEquals(RecordId.fromIdempotencyKey("apikey:abc", "order-42"),
                RecordId.fromIdempotencyKey("apikey:abc", "order-42"));
    }

    @Test
    void idempotencyKeyUuidsDifferAcrossCallersAndKeys() {
        RecordId base = RecordId.fromIdempotencyKey("apikey:abc", "order-42");

        assertNotEquals(base, RecordId.fromIdempotencyKey("apikey:xyz", "order-42"), "another caller");
        assertNotEquals(base, RecordId.fromIdempotencyKey("apikey:abc", "order-43"), "another key");
        // The caller is length-prefixed, so moving characters between caller and key changes the uuid.
        assertNotEquals(RecordId.fromIdempotencyKey("a", "bc"), RecordId.fromIdempotencyKey("ab", "c"));
    }

    @Test
    void idempotencyKeyUuidsAreVersion5WithTheIetfVariant() {
        for (String key : new String[] {"a", "order-42", "ünïcødé", "x".repeat(256)}) {
            UUID uuid = RecordId.fromIdempotencyKey("iam:arn:aws:iam::111122223333:user/alice", key).value();
            assertEquals(5, uuid.version());
            assertEquals(2, uuid.variant());
            assertEquals(uuid, RecordId.parse(uuid.toString()).value(), "is canonical");
        }
    }

    @Test
    void randomIdsAreVersion4AndDistinct() {
        RecordId first = RecordId.random();

        assertEquals(4, first.value().version());
        assertNotEquals(first, RecordId.random());
    }
}
