package dev.cryptopipe.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.local.emulator.Emulator;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's curls against {@code ./cryptopipe up}, as a user runs them. */
@ExtendWith(EmulatorExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineEndToEndIT {
    private static final Duration STARTUP = Duration.ofMinutes(3);
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    /** Unique per run, so finding it in the output can only mean the run printed a plaintext. */
    private final String secret = "MY API TEST " + UUID.randomUUID();

    private Emulator emulator;
    private LocalProcess up;
    private LocalApi api;

    @BeforeAll
    void startPipeline(Emulator emulator) throws IOException {
        this.emulator = emulator;
        int port = LocalProcess.freePort();
        up = LocalProcess.up(emulator.endpoint(), port, Map.of(), STARTUP);
        String ready = up.awaitLine(line -> line.contains("ready"), STARTUP);
        assertTrue(ready.contains("http://127.0.0.1:" + port), "the ready line names the URL");
        api = new LocalApi(port);
    }

    @AfterAll
    void stopPipeline() throws InterruptedException {
        if (up != null) {
            up.close();
            assertFalse(up.output().contains(secret), "a plaintext appeared in the output of ./cryptopipe up");
        }
    }

    @Test
    void encryptAnswersWithTheUuidThenDecryptReturnsThePlaintext() throws Exception {
        HttpResponse<String> accepted = api.post("/encrypt", "{\"plaintext\": " + Json.MAPPER.writeValueAsString(secret) + "}", Map.of());
        assertEquals(202, accepted.statusCode());
        JsonNode body = Json.MAPPER.readTree(accepted.body());
        assertEquals("ACCEPTED", body.path("status").asText());
        String uuid = body.path("uuid").asText();
        assertEquals(uuid, UUID.fromString(uuid).toString());

        up.awaitLine(line -> line.startsWith("RecordStored") && line.contains("uuid=" + uuid), DELIVERY);

        HttpResponse<String> text = api.post("/decrypt", "{\"uuid\": \"" + uuid + "\"}", Map.of("Accept", "text/plain"));
        assertEquals(200, text.statusCode());
        assertTrue(secret.equals(text.body()), "decrypt with Accept: text/plain returns the bare plaintext");

        HttpResponse<String> json = api.get("/records/" + uuid);
        assertEquals(200, json.statusCode());
        JsonNode record = Json.MAPPER.readTree(json.body());
        assertEquals(uuid, record.path("uuid").asText());
        assertTrue(secret.equals(record.path("plaintext").asText()), "GET /records/{uuid} returns the plaintext");
        assertFalse(record.path("createdAt").asText().isEmpty());
    }

    @Test
    void refTravelsWithTheRecordAndItsEvent() throws Exception {
        HttpResponse<String> accepted = api.post("/encrypt", "{\"plaintext\": \"héllo wörld ✓ 🔐\", \"ref\": \"order-42\"}", Map.of());
        assertEquals(202, accepted.statusCode());
        String uuid = Json.MAPPER.readTree(accepted.body()).path("uuid").asText();
        String event = up.awaitLine(line -> line.startsWith("RecordStored") && line.contains("uuid=" + uuid), DELIVERY);
        assertTrue(event.contains("ref=order-42"), event);
        JsonNode record = Json.MAPPER.readTree(api.post("/decrypt", "{\"uuid\": \"" + uuid + "\"}", Map.of()).body());
        assertEquals("héllo wörld ✓ 🔐", record.path("plaintext").asText());
        assertEquals("order-42", record.path("ref").asText());
    }

    @Test
    void unknownUuidIsNotFound() throws Exception {
        String unknown = UUID.randomUUID().toString();
        assertError(api.post("/decrypt", "{\"uuid\": \"" + unknown + "\"}", Map.of()), 404, "NOT_FOUND");
        assertError(api.get("/records/" + unknown), 404, "NOT_FOUND");
    }

    @Test
    void badInputGetsA4xxJsonError() throws Exception {
        assertError(api.post("/encrypt", "{not json", Map.of()), 400, "MALFORMED_JSON");
        assertError(api.post("/encrypt", "[1, 2]", Map.of()), 400, "MALFORMED_JSON");
        assertError(api.post("/encrypt", "", Map.of()), 400, "MISSING_BODY");
        assertError(api.post("/encrypt", "{\"ref\": \"x\"}", Map.of()), 400, "MISSING_FIELD");
        assertError(api.post("/encrypt", "{\"plaintext\": 42}", Map.of()), 400, "INVALID_FIELD");
        assertError(api.post("/encrypt", "{\"plaintext\": \"x\", \"ref\": 7}", Map.of()), 400, "INVALID_FIELD");
        assertError(api.post("/encrypt", "{\"plaintext\": \"" + "a".repeat(131_073) + "\"}", Map.of()), 413, "PAYLOAD_TOO_LARGE");
        assertError(api.post("/encrypt", "plaintext=x", Map.of("Content-Type", "application/x-www-form-urlencoded")), 415, "UNSUPPORTED_MEDIA_TYPE");
        assertError(api.post("/decrypt", "{\"uuid\": \"not-a-uuid\"}", Map.of()), 400, "INVALID_UUID");
        assertError(api.post("/decrypt", "{\"uuid\": \"1-1-1-1-1\"}", Map.of()), 400, "INVALID_UUID");
        assertError(api.post("/decrypt", "{}", Map.of()), 400, "MISSING_FIELD");
        assertError(api.get("/records/nope"), 400, "INVALID_UUID");
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode error = Json.MAPPER.readTree(response.body()).path("error");
        assertEquals(code, error.path("code").asText(), response.body());
        assertFalse(error.path("message").asText().isEmpty(), "the error has a message");
    }
}
