package dev.cryptopipe.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.aws.SdkClients;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.local.emulator.Emulator;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code POST /encrypt/batch}, idempotency keys and {@code ./cryptopipe dlq} against
 * {@code ./cryptopipe up}, as a producer and an operator use them.
 */
@ExtendWith(EmulatorExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchIntakeIT {
    private static final Duration STARTUP = Duration.ofMinutes(3);
    private static final Duration DELIVERY = Duration.ofSeconds(60);

    private final String secret = "BATCHSECRET-" + UUID.randomUUID() + "-";
    private Emulator emulator;
    private Path state;
    private LocalProcess up;
    private LocalApi api;

    @BeforeAll
    void startPipeline(Emulator emulator, @TempDir Path state) throws IOException {
        this.emulator = emulator;
        this.state = state;
        int port = LocalProcess.freePort();
        up = LocalProcess.up(emulator.endpoint(), port, Map.of("CRYPTOPIPE_STATE_DIR", state.toString()), STARTUP);
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
    void eachItemIsAnsweredInOrderAndOnlyGoodOnesAreStored() throws Exception {
        ArrayNode items = Json.MAPPER.createArrayNode();
        items.addObject().put("plaintext", secret + "first");
        items.addObject().put("ref", "no-plaintext");
        items.addObject().put("plaintext", secret + "third ✓").put("ref", "batch-ref-3");
        items.add("not an object");
        items.addObject().put("plaintext", "x".repeat(131_073));
        items.addObject().put("plaintext", secret + "bad ref").put("ref", "line\nbreak");
        items.addObject().put("plaintext", secret + "bad key").put("idempotencyKey", "");
        items.addObject().put("plaintext", 42);

        HttpResponse<String> response = api.post("/encrypt/batch", Json.MAPPER.createObjectNode().set("items", items).toString(), Map.of());

        assertEquals(202, response.statusCode(), response.body());
        JsonNode results = Json.MAPPER.readTree(response.body()).path("results");
        assertEquals(items.size(), results.size());
        String first = results.path(0).path("uuid").asText();
        String third = results.path(2).path("uuid").asText();
        assertEquals(first, RecordId.parse(first).toString());
        assertEquals(third, RecordId.parse(third).toString());
        List<String> codes = new ArrayList<>();
        for (int i : new int[] {1, 3, 4, 5, 6, 7}) {
            assertFalse(results.path(i).has("uuid"), "item " + i + " is refused, so it has no uuid");
            assertFalse(results.path(i).path("error").path("message").asText().isEmpty());
            codes.add(results.path(i).path("error").path("code").asText());
        }
        assertEquals(List.of("MISSING_FIELD", "INVALID_FIELD", "PAYLOAD_TOO_LARGE", "INVALID_REF", "INVALID_IDEMPOTENCY_KEY",
                "INVALID_FIELD"), codes);
        assertFalse(response.body().contains(secret), "answers never echo a plaintext");

        up.awaitLine(line -> line.startsWith("RecordStored") && line.contains("uuid=" + first), DELIVERY);
        String event = up.awaitLine(line -> line.startsWith("RecordStored") && line.contains("uuid=" + third), DELIVERY);
        assertTrue(event.contains("ref=batch-ref-3"), event);
        assertTrue((secret + "first").equals(record(first).path("plaintext").asText()));
        assertTrue((secret + "third ✓").equals(record(third).path("plaintext").asText()));
    }

    @Test
    void aBatchThatIsNotABatchFailsAsAWhole() throws Exception {
        ArrayNode many = Json.MAPPER.createArrayNode();
        for (int i = 0; i < 101; i++) {
            many.addObject().put("plaintext", "x");
        }
        assertError(api.post("/encrypt/batch", Json.MAPPER.createObjectNode().set("items", many).toString(), Map.of()),
                413, "TOO_MANY_ITEMS");
        assertError(api.post("/encrypt/batch", "{\"items\": []}", Map.of()), 400, "INVALID_FIELD");
        assertError(api.post("/encrypt/batch", "{\"items\": {}}", Map.of()), 400, "INVALID_FIELD");
        assertError(api.post("/encrypt/batch", "{}", Map.of()), 400, "MISSING_FIELD");
        assertError(api.post("/encrypt/batch", "[1]", Map.of()), 400, "MALFORMED_JSON");
    }

    @Test
    void theSameIdempotencyKeyGivesOneUuidAndOneRecordAndTheFirstStoredPlaintextWins() throws Exception {
        String key = "order-" + UUID.randomUUID();
        String body = "{\"plaintext\": " + Json.MAPPER.writeValueAsString(secret + "original") + ", \"ref\": \"idem\"}";

        String uuid = uuid(api.post("/encrypt", body, Map.of("Idempotency-Key", key)));
        up.awaitLine(line -> line.startsWith("RecordStored") && line.contains("uuid=" + uuid), DELIVERY);
        String createdAt = record(uuid).path("createdAt").asText();

        assertEquals(uuid, uuid(api.post("/encrypt", body, Map.of("Idempotency-Key", key))), "a retried request gets the same uuid");
        awaitAnnouncements(uuid, 2); // the retry was processed: its record already existed, so it was announced again
        String changed = "{\"plaintext\": " + Json.MAPPER.writeValueAsString(secret + "changed") + "}";
        assertEquals(uuid, uuid(api.post("/encrypt", changed, Map.of("Idempotency-Key", key))), "same key, other plaintext: same uuid");
        awaitAnnouncements(uuid, 3);
        ObjectNode batch = Json.MAPPER.createObjectNode();
        batch.putArray("items").addObject().put("plaintext", secret + "via batch").put("idempotencyKey", key);
        JsonNode batchResult = Json.MAPPER.readTree(api.post("/encrypt/batch", batch.toString(), Map.of()).body());
        assertEquals(uuid, batchResult.path("results").path(0).path("uuid").asText(), "a batch item's key is the same key");
        awaitAnnouncements(uuid, 4);

        JsonNode record = record(uuid);
        assertTrue((secret + "original").equals(record.path("plaintext").asText()), "the first stored plaintext is kept");
        assertEquals(createdAt, record.path("createdAt").asText(), "the record was never written again");
        assertEquals("idem", record.path("ref").asText());
        try (DynamoDbClient dynamo = SdkClients.build(DynamoDbClient.builder())) {
            String table = LocalPipeline.template().string("RecordsTable", "TableName");
            assertTrue(dynamo.getItem(get -> get.tableName(table).key(Map.of("id", AttributeValue.fromS(uuid))).consistentRead(true))
                    .hasItem(), "one record under the uuid");
        }
        String other = uuid(api.post("/encrypt", body, Map.of("Idempotency-Key", key + "-other")));
        assertFalse(uuid.equals(other), "another key, another record");
    }

    @Test
    void dlqListsDeadLettersWithoutPlaintextAndRedriveBringsThemHome() throws Exception {
        String dlqName = LocalPipeline.template().string("RequestDeadLetterQueue", "QueueName");
        String uuid = RecordId.random().toString();
        String good = "{\"v\": 1, \"uuid\": \"" + uuid + "\", \"plaintext\": " + Json.MAPPER.writeValueAsString(secret + "dead")
                + ", \"ref\": \"dlq-ref\", \"acceptedAt\": \"2026-01-01T00:00:00Z\"}";
        String poison = "not json " + secret;
        String goodId;
        String poisonId;
        try (SqsClient sqs = SdkClients.build(SqsClient.builder())) {
            String dlqUrl = sqs.getQueueUrl(get -> get.queueName(dlqName)).queueUrl();
            sqs.purgeQueue(purge -> purge.queueUrl(dlqUrl));
            goodId = sqs.sendMessage(send -> send.queueUrl(dlqUrl).messageBody(good)).messageId();
            poisonId = sqs.sendMessage(send -> send.queueUrl(dlqUrl).messageBody(poison)).messageId();
        }

        // No AWS_ENDPOINT_URL: the command finds the emulator through the running up's state file.
        String listing = cli("dlq");
        assertTrue(listing.contains("2 in " + dlqName), listing);
        String goodLine = line(listing, "messageId=" + goodId);
        assertTrue(goodLine.contains("uuid=" + uuid) && goodLine.contains("ref=dlq-ref") && goodLine.contains("receives="), goodLine);
        assertTrue(line(listing, "messageId=" + poisonId).contains("body is not JSON"), listing);
        assertFalse(listing.contains(secret), "dlq never prints a plaintext");

        String redrive = cli("dlq", "--redrive");
        assertTrue(redrive.contains("moved 2"), redrive);
        up.awaitLine(line -> line.startsWith("RecordStored") && line.contains("uuid=" + uuid), DELIVERY);
        assertTrue((secret + "dead").equals(record(uuid).path("plaintext").asText()));
        assertTrue(cli("dlq").contains("0 in " + dlqName));
    }

    /** Runs {@code ./cryptopipe <args>} without AWS_ENDPOINT_URL and returns its output. */
    private String cli(String... args) throws Exception {
        LocalProcess command = LocalProcess.start(emulator.endpoint(),
                Map.of("AWS_ENDPOINT_URL", "", "CRYPTOPIPE_STATE_DIR", state.toString()), args);
        assertTrue(command.process().waitFor(3, TimeUnit.MINUTES), "./cryptopipe " + String.join(" ", args) + " ends");
        int status = command.stop();
        assertEquals(0, status, command.output());
        return command.output();
    }

    private static String line(String output, String containing) {
        return output.lines().filter(line -> line.contains(containing)).findFirst()
                .orElseThrow(() -> new AssertionError("no line with " + containing + " in:\n" + output));
    }

    private void awaitAnnouncements(String uuid, int count) {
        up.awaitLine(ignored -> up.output().lines()
                .filter(line -> line.startsWith("RecordStored") && line.contains("uuid=" + uuid)).count() >= count, DELIVERY);
    }

    private JsonNode record(String uuid) throws Exception {
        HttpResponse<String> response = api.get("/records/" + uuid);
        assertEquals(200, response.statusCode());
        return Json.MAPPER.readTree(response.body());
    }

    private static String uuid(HttpResponse<String> response) throws IOException {
        assertEquals(202, response.statusCode(), response.body());
        return Json.MAPPER.readTree(response.body()).path("uuid").asText();
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(code, Json.MAPPER.readTree(response.body()).path("error").path("code").asText(), response.body());
    }
}
