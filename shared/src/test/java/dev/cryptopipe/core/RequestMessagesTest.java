package dev.cryptopipe.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestMessagesTest {
    /** Never printed: a failing test must not leak it either. */
    private static final String SECRET = "TOP-SECRET héllo wörld ✓ 🔐 日本語";
    private static final String UUID_TEXT = "123e4567-e89b-42d3-a456-426614174000";
    private static final Instant ACCEPTED = Instant.parse("2025-01-02T03:04:05.678Z");
    private static final Limits LIMITS = new Limits(Limits.DEFAULT_MAX_PLAINTEXT_BYTES);

    // ---- round trip ---------------------------------------------------------------------

    @Test
    void encodeThenDecodeGivesTheSameRequest() {
        EncryptRequest request = new EncryptRequest(RecordId.parse(UUID_TEXT), SECRET, Optional.of("order-7"), ACCEPTED);

        EncryptRequest decoded = RequestMessages.decode(RequestMessages.encode(request), LIMITS);

        assertEquals(request.id(), decoded.id());
        assertTrue(SECRET.equals(decoded.plaintext()), "plaintext must survive the round trip");
        assertEquals(Optional.of("order-7"), decoded.ref());
        assertEquals(ACCEPTED, decoded.acceptedAt());
    }

    @Test
    void encodeWritesTheVersion1Fields() throws Exception {
        EncryptRequest request = new EncryptRequest(RecordId.parse(UUID_TEXT), SECRET, Optional.empty(), ACCEPTED);

        JsonNode node = Json.MAPPER.readTree(RequestMessages.encode(request));

        assertEquals(1, node.get("v").intValue());
        assertEquals(UUID_TEXT, node.get("uuid").textValue());
        assertTrue(SECRET.equals(node.get("plaintext").textValue()), "plaintext field");
        assertEquals(ACCEPTED.toString(), node.get("acceptedAt").textValue());
        assertFalse(node.has("ref"), "no ref key when there is no ref");
        assertEquals(Optional.empty(), RequestMessages.decode(RequestMessages.encode(request), LIMITS).ref());
    }

    @Test
    void aProducerMessageWithoutAcceptedAtIsAccepted() {
        EncryptRequest decoded = RequestMessages.decode(
                "{\"v\":1,\"uuid\":\"" + UUID_TEXT + "\",\"plaintext\":\"p\"}", LIMITS);

        assertEquals(UUID_TEXT, decoded.id().toString());
        assertEquals(Optional.empty(), decoded.ref());
    }

    @Test
    void anEncryptRequestNeverPrintsItsPlaintext() {
        EncryptRequest request = new EncryptRequest(RecordId.parse(UUID_TEXT), SECRET, Optional.of("order-7"), ACCEPTED);

        assertFalse(request.toString().contains(SECRET));
        assertTrue(request.toString().contains(UUID_TEXT));
    }

    // ---- rejections ---------------------------------------------------------------------

    private static RejectedMessageException assertRejected(String body, Limits limits) {
        RejectedMessageException e = assertThrows(RejectedMessageException.class, () -> RequestMessages.decode(body, limits));
        assertFalse(e.reason().isBlank());
        assertFalse(e.reason().contains("TOP-SECRET"), "a rejection reason must not carry plaintext");
        return e;
    }

    private static RejectedMessageException assertRejected(String body) {
        return assertRejected(body, LIMITS);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "plaintext=TOP-SECRET",
            "{\"v\":1,\"plaintext\":\"TOP-SECRET\"",
            "{\"v\":1,\"plaintext\":\"TOP-SECRET\"} trailing",
            ""})
    void aBodyThatIsNotJsonIsRejected(String body) {
        RejectedMessageException e = assertRejected(body);

        assertEquals(Optional.empty(), e.id());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[\"TOP-SECRET\"]", "\"TOP-SECRET\"", "42", "null"})
    void aBodyThatIsNotAnObjectIsRejected(String body) {
        assertRejected(body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2", "0", "\"1\"", "1.5", "null"})
    void anUnknownVersionIsRejectedWithTheUuidAndRef(String version) {
        RejectedMessageException e = assertRejected(
                "{\"v\":" + version + ",\"uuid\":\"" + UUID_TEXT + "\",\"plaintext\":\"TOP-SECRET\",\"ref\":\"order-7\"}");

        assertEquals(Optional.of(RecordId.parse(UUID_TEXT)), e.id());
        assertEquals(Optional.of("order-7"), e.ref());
    }

    @Test
    void aMissingVersionIsRejected() {
        RejectedMessageException e = assertRejected("{\"uuid\":\"" + UUID_TEXT + "\",\"plaintext\":\"TOP-SECRET\"}");

        assertEquals(Optional.of(RecordId.parse(UUID_TEXT)), e.id());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ",\"uuid\":\"1-1-1-1-1\"", ",\"uuid\":\"TOP-SECRET\"", ",\"uuid\":42"})
    void aMissingOrInvalidUuidIsRejectedWithTheRef(String uuidField) {
        RejectedMessageException e = assertRejected(
                "{\"v\":1" + uuidField + ",\"plaintext\":\"TOP-SECRET\",\"ref\":\"order-7\"}");

        assertEquals(Optional.empty(), e.id());
        assertEquals(Optional.of("order-7"), e.ref());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ",\"plaintext\":42", ",\"plaintext\":null", ",\"plaintext\":[\"TOP-SECRET\"]",
            ",\"plaintext\":{\"a\":\"TOP-SECRET\"}"})
    void aMissingOrNonStringPlaintextIsRejectedWithTheUuid(String plaintextField) {
        RejectedMessageException e = assertRejected("{\"v\":1,\"uuid\":\"" + UUID_TEXT + "\"" + plaintextField + "}");

        assertEquals(Optional.of(RecordId.parse(UUID_TEXT)), e.id());
    }

    @Test
    void aTooLargePlaintextIsRejectedWithTheUuidAndRef() {
        Limits small = new Limits(16);
        String tooLarge = "TOP-SECRET-" + "x".repeat(6); // 17 bytes

        RejectedMessageException e = assertRejected(
                "{\"v\":1,\"uuid\":\"" + UUID_TEXT + "\",\"plaintext\":\"" + tooLarge + "\",\"ref\":\"order-7\"}", small);

        assertEquals(Optional.of(RecordId.parse(UUID_TEXT)), e.id());
        assertEquals(Optional.of("order-7"), e.ref());
        assertTrue(e.reason().contains("16"), "the reason names the limit");
        // One byte less fits.
        RequestMessages.decode("{\"v\":1,\"uuid\":\"" + UUID_TEXT + "\",\"plaintext\":\"" + tooLarge.substring(1) + "\"}", small);
    }

    @Test
    void aTooLargeMultiByteUtf8PlaintextIsRejected() {
        // 5 characters, 20 UTF-8 bytes: the limit counts bytes, not characters.
        assertRejected("{\"v\":1,\"uuid\":\"" + UUID_TEXT + "\",\"plaintext\":\"🔐🔐🔐🔐🔐\"}", new Limits(19));
    }

    @Test
    void aPlaintextWithAnUnpairedSurrogateIsRejected() {
        // JSON can spell a lone surrogate; sealing it would store '?' instead.
        RejectedMessageException e = assertRejected(
                "{\"v\":1,\"uuid\":\"" + UUID_TEXT + "\",\"plaintext\":\"TOP-SECRET \\ud800\"}");

        assertEquals(Optional.of(RecordId.parse(UUID_TEXT)), e.id());
    }

    @ParameterizedTest
    @ValueSource(strings = {"42", "[\"r\"]", "\"\"", "\"line\\nbreak\""})
    void anInvalidRefIsRejected(String ref) {
        RejectedMessageException e = assertRejected(
                "{\"v\":1,\"uuid\":\"" + UUID_TEXT + "\",\"plaintext\":\"TOP-SECRET\",\"ref\":" + ref + "}");

        assertEquals(Optional.of(RecordId.parse(UUID_TEXT)), e.id());
    }
}
