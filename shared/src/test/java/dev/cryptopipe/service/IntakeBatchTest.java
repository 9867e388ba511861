package dev.cryptopipe.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.aws.FakeSqs;
import dev.cryptopipe.aws.RequestQueue;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.core.Limits;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.service.Intake.ItemResult;
import dev.cryptopipe.service.Intake.Submission;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** POST /encrypt/batch's core: each item answered on its own, in order; never a uuid for an unqueued message. */
class IntakeBatchTest {
    private final FakeSqs sqs = new FakeSqs();
    private final Intake intake = new Intake(new RequestQueue(sqs, "https://sqs.local/requests"), new Limits(64), Clock.systemUTC());

    private static Submission item(String plaintext) {
        return new Submission(plaintext, Optional.empty(), Optional.empty(), "anonymous");
    }

    private static Submission keyed(String plaintext, String key) {
        return new Submission(plaintext, Optional.of("ref-" + key), Optional.of(key), "apikey:k1");
    }

    private List<String> queuedUuids() {
        List<String> uuids = new ArrayList<>();
        for (String body : sqs.queued) {
            try {
                uuids.add(Json.MAPPER.readTree(body).path("uuid").asText());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return uuids;
    }

    @Test
    void everyGoodItemIsQueuedWithTheUuidItIsAnsweredWith() {
        List<ItemResult> results = intake.acceptBatch(IntStream.range(0, 25).mapToObj(i -> item("secret " + i)).toList());

        assertEquals(25, results.size());
        assertTrue(results.stream().allMatch(ItemResult::isAccepted));
        assertEquals(results.stream().map(r -> r.id().toString()).sorted().toList(), queuedUuids().stream().sorted().toList(),
                "every answered uuid is queued, and only those");
        assertEquals(List.of(5, 10, 10), sqs.batchSizes.stream().sorted().toList());
    }

    @Test
    void aBadItemGetsItsOwnErrorAndTheOthersAreAccepted() {
        List<ItemResult> results = intake.acceptBatch(List.of(
                item("fine"),
                item("x".repeat(65)),
                new Submission("fine", Optional.of("bad\nref"), Optional.empty(), "anonymous"),
                new Submission("fine", Optional.empty(), Optional.of(" "), "anonymous"),
                item("bad \uD800 surrogate"),
                item("also fine")));

        assertTrue(results.get(0).isAccepted());
        assertEquals("PAYLOAD_TOO_LARGE", results.get(1).error().code());
        assertEquals(413, results.get(1).error().status());
        assertEquals("INVALID_REF", results.get(2).error().code());
        assertEquals("INVALID_IDEMPOTENCY_KEY", results.get(3).error().code());
        assertEquals("INVALID_FIELD", results.get(4).error().code());
        assertTrue(results.get(5).isAccepted());
        assertEquals(2, sqs.queued.size(), "refused items never reach the queue");
    }

    @Test
    void anItemTheQueueNeverTookIsAnErrorNeverAUuid() {
        sqs.failEntry = body -> body.contains("unlucky");
        sqs.failSingle = body -> body.contains("unlucky");

        List<ItemResult> results = intake.acceptBatch(List.of(item("lucky 1"), item("unlucky"), item("lucky 2")));

        assertTrue(results.get(0).isAccepted());
        assertNull(results.get(1).id());
        assertEquals(503, results.get(1).error().status());
        assertEquals("UNAVAILABLE", results.get(1).error().code());
        assertFalse(results.get(1).error().getMessage().contains("unlucky"), "errors never echo the plaintext");
        assertTrue(results.get(2).isAccepted());
        assertEquals(java.util.Set.of(results.get(0).id().toString(), results.get(2).id().toString()), java.util.Set.copyOf(queuedUuids()));
    }

    @Test
    void aThrottledItemIsA429() {
        sqs.failEntry = body -> true;
        sqs.failSingle = body -> true;
        sqs.throttleSingle = true;

        ItemResult result = intake.acceptBatch(List.of(item("x"))).get(0);

        assertEquals(429, result.error().status());
        assertEquals("THROTTLED", result.error().code());
    }

    @Test
    void idempotencyKeysNameTheRecordAndARepeatedKeyIsQueuedOnce() {
        List<ItemResult> results = intake.acceptBatch(List.of(keyed("first", "k-1"), keyed("other", "k-2"), keyed("second", "k-1")));

        RecordId expected = RecordId.fromIdempotencyKey("apikey:k1", "k-1");
        assertEquals(expected, results.get(0).id());
        assertEquals(expected, results.get(2).id(), "the same key gives the same uuid");
        assertEquals(2, sqs.queued.size(), "the repeat in one batch is not queued again");
        assertTrue(sqs.queued.get(0).contains("\"first\""), "the earlier item of the batch is the one queued");

        List<ItemResult> retried = intake.acceptBatch(List.of(keyed("first", "k-1")));
        assertEquals(expected, retried.get(0).id(), "a retried batch gets the same uuid again");
    }

    @Test
    void moreThanOneHundredItemsIs413() {
        ApiException e = assertThrows(ApiException.class,
                () -> intake.acceptBatch(IntStream.range(0, 101).mapToObj(i -> item("x")).toList()));
        assertEquals(413, e.status());
        assertTrue(sqs.queued.isEmpty());
    }

    @Test
    void theQueuedMessageIsTheDocumentedShape() throws Exception {
        intake.acceptBatch(List.of(keyed("payload", "k-9")));

        JsonNode message = Json.MAPPER.readTree(sqs.queued.get(0));
        assertEquals(1, message.path("v").asInt());
        assertEquals("ref-k-9", message.path("ref").asText());
        assertFalse(message.path("acceptedAt").asText().isEmpty());
    }
}
