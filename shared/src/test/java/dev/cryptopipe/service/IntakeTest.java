package dev.cryptopipe.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.EncryptRequest;
import dev.cryptopipe.core.Limits;
import dev.cryptopipe.core.RecordId;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Intake's validation; no queue is needed because a bad submission never reaches it. */
class IntakeTest {
    private static final Instant NOW = Instant.parse("2025-03-04T05:06:07Z");
    private static final String SECRET = "TOP-SECRET ✓"; // 14 UTF-8 bytes

    private final Intake intake = new Intake(null, new Limits(16), Clock.fixed(NOW, ZoneOffset.UTC));

    private static Intake.Submission submission(String plaintext, String idempotencyKey, String caller) {
        return new Intake.Submission(plaintext, Optional.of("order-7"), Optional.ofNullable(idempotencyKey), caller);
    }

    private static void assertApiError(int status, String code, Intake.Submission submission, Intake intake) {
        ApiException e = assertThrows(ApiException.class, () -> intake.validate(submission));
        assertEquals(status, e.status());
        assertEquals(code, e.code());
        assertFalse(e.getMessage().contains("TOP-SECRET"), "errors never echo the plaintext");
    }

    @Test
    void aValidSubmissionBecomesARequest() {
        EncryptRequest request = intake.validate(submission(SECRET, null, "anonymous"));

        assertTrue(SECRET.equals(request.plaintext()), "the plaintext is carried unchanged");
        assertEquals(Optional.of("order-7"), request.ref());
        assertEquals(NOW, request.acceptedAt());
        assertEquals(4, request.id().value().version(), "without a key the uuid is random");
    }

    @Test
    void aPlaintextOverTheLimitIs413() {
        assertApiError(413, "PAYLOAD_TOO_LARGE", submission("TOP-SECRET-🔐🔐", null, "anonymous"), intake); // 19 bytes
        intake.validate(submission("TOP-SECRET-🔐", null, "anonymous")); // 15 bytes
    }

    @Test
    void anInvalidRefIs400() {
        Intake.Submission badRef = new Intake.Submission(SECRET, Optional.of("line\nbreak"), Optional.empty(), "anonymous");

        assertApiError(400, "INVALID_REF", badRef, intake);
    }

    @Test
    void anIdempotencyKeyGivesADeterministicUuid() {
        RecordId first = intake.validate(submission(SECRET, "key-1", "apikey:abc")).id();
        RecordId again = intake.validate(submission("other text", "key-1", "apikey:abc")).id();

        assertEquals(first, again);
        assertEquals(RecordId.fromIdempotencyKey("apikey:abc", "key-1"), first);
        assertNotEquals(first, intake.validate(submission(SECRET, "key-1", "apikey:xyz")).id(), "another caller");
        assertNotEquals(first, intake.validate(submission(SECRET, "key-2", "apikey:abc")).id(), "another key");
    }

    @Test
    void withoutAnIdempotencyKeyEachSubmissionGetsANewUuid() {
        assertNotEquals(intake.validate(submission(SECRET, null, "anonymous")).id(),
                intake.validate(submission(SECRET, null, "anonymous")).id());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t\n"})
    void aBlankIdempotencyKeyIs400(String key) {
        assertApiError(400, "INVALID_IDEMPOTENCY_KEY", submission(SECRET, key, "anonymous"), intake);
    }

    @Test
    void anIdempotencyKeyIsAtMost256Characters() {
        intake.validate(submission(SECRET, "k".repeat(256), "anonymous"));
        assertApiError(400, "INVALID_IDEMPOTENCY_KEY", submission(SECRET, "k".repeat(257), "anonymous"), intake);
    }

    @Test
    void aSubmissionNeverPrintsItsPlaintext() {
        assertFalse(submission(SECRET, "key-1", "apikey:abc").toString().contains("TOP-SECRET"));
    }
}
