package dev.cryptopipe.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.aws.EventPublisher;
import dev.cryptopipe.aws.RecordStore;
import dev.cryptopipe.core.EncryptRequest;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.core.Limits;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.core.RequestMessages;
import dev.cryptopipe.crypto.RecordAead;
import dev.cryptopipe.crypto.SealedRecord;
import dev.cryptopipe.observe.Metrics;
import dev.cryptopipe.service.RecordWorker.QueuedMessage;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/** The worker's batch semantics: concurrent, per-message failure, rejection of poison, redelivery. */
class RecordWorkerTest {
    private static final String SECRET = "TOP-SECRET-PLAINTEXT";

    private final Map<String, Map<String, AttributeValue>> table = new ConcurrentHashMap<>();
    private final Set<String> failPutFor = ConcurrentHashMap.newKeySet();
    private final Set<String> failEventFor = ConcurrentHashMap.newKeySet();
    private final List<Integer> putEventsSizes = new CopyOnWriteArrayList<>();
    private final List<PutEventsRequestEntry> published = new CopyOnWriteArrayList<>();
    private final List<String> failuresHeard = new CopyOnWriteArrayList<>();
    private final AtomicInteger putsInFlight = new AtomicInteger();
    private final AtomicInteger mostPutsInFlight = new AtomicInteger();
    private final CountDownLatch tooManyPuts = new CountDownLatch(1);
    private volatile boolean holdPuts;

    private final DynamoDbClient dynamo = new DynamoDbClient() {
        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {
        }

        @Override
        public PutItemResponse putItem(PutItemRequest request) {
            int now = putsInFlight.incrementAndGet();
            mostPutsInFlight.accumulateAndGet(now, Math::max);
            try {
                holdWhileFew(now);
                return store(request);
            } finally {
                putsInFlight.decrementAndGet();
            }
        }

        private PutItemResponse store(PutItemRequest request) {
            String id = request.item().get("id").s();
            if (failPutFor.contains(id)) {
                throw DynamoDbException.builder().statusCode(500).message("injected").build();
            }
            if (table.putIfAbsent(id, request.item()) != null) {
                throw ConditionalCheckFailedException.builder().message("exists").build();
            }
            return PutItemResponse.builder().build();
        }

        @Override
        public GetItemResponse getItem(GetItemRequest request) {
            return GetItemResponse.builder().item(table.get(request.key().get("id").s())).build();
        }
    };

    private final EventBridgeClient eventBridge = new EventBridgeClient() {
        @Override
        public String serviceName() {
            return "events";
        }

        @Override
        public void close() {
        }

        @Override
        public PutEventsResponse putEvents(PutEventsRequest request) {
            putEventsSizes.add(request.entries().size());
            List<PutEventsResultEntry> results = new ArrayList<>();
            int failed = 0;
            for (PutEventsRequestEntry entry : request.entries()) {
                boolean fail = failEventFor.stream().anyMatch(uuid -> entry.detail().contains(uuid));
                if (fail) {
                    failed++;
                    results.add(PutEventsResultEntry.builder().errorCode("InternalFailure").errorMessage("injected").build());
                } else {
                    published.add(entry);
                    results.add(PutEventsResultEntry.builder().eventId("e-" + published.size()).build());
                }
            }
            return PutEventsResponse.builder().failedEntryCount(failed).entries(results).build();
        }
    };

    /** Seals by reversing the bytes: enough to see what was stored, no key needed. */
    private final RecordAead aead = new RecordAead() {
        @Override
        public SealedRecord seal(byte[] plaintext, RecordId id) {
            byte[] reversed = new byte[plaintext.length];
            for (int i = 0; i < plaintext.length; i++) {
                reversed[i] = plaintext[plaintext.length - 1 - i];
            }
            return new SealedRecord(1, "dk-test", new byte[12], reversed, new byte[32]);
        }

        @Override
        public byte[] open(SealedRecord sealed, RecordId id) {
            throw new UnsupportedOperationException();
        }
    };

    private final RecordWorker worker = new RecordWorker(aead, new RecordStore(dynamo, "records"),
            new EventPublisher(eventBridge, "bus"), new Limits(1024), Clock.systemUTC(), new Metrics("worker-test"),
            (messageId, uuid, reason) -> failuresHeard.add(messageId + " " + uuid + " " + reason));

    private static QueuedMessage message(String messageId, RecordId id, String plaintext) {
        return new QueuedMessage(messageId, RequestMessages.encode(
                new EncryptRequest(id, plaintext, Optional.of("ref-" + messageId), Instant.now())));
    }

    private List<JsonNode> details(String detailType) throws Exception {
        List<JsonNode> details = new ArrayList<>();
        for (PutEventsRequestEntry entry : published) {
            assertFalse(entry.detail().contains(SECRET), "no plaintext in an event");
            if (entry.detailType().equals(detailType)) {
                details.add(Json.MAPPER.readTree(entry.detail()));
            }
        }
        return details;
    }

    @Test
    void aBatchIsStoredAndAnnouncedInPutEventsCallsOfAtMostTen() throws Exception {
        List<QueuedMessage> batch = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            batch.add(message("m" + i, RecordId.random(), SECRET + i));
        }

        assertEquals(List.of(), worker.process(batch, "req-1"));

        assertEquals(25, table.size());
        assertEquals(List.of(10, 10, 5), putEventsSizes);
        assertEquals(25, details("RecordStored").size());
    }

    @Test
    void aBatchHasAtMostFiveMessagesInFlightYetRunsThemConcurrently() {
        holdPuts = true;
        List<QueuedMessage> batch = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            batch.add(message("m" + i, RecordId.random(), "p" + i));
        }

        assertEquals(List.of(), worker.process(batch));
        assertEquals(30, table.size());
        assertEquals(RecordWorker.MESSAGES_IN_FLIGHT, mostPutsInFlight.get(), "messages in flight at once");
    }

    /**
     * With {@link #holdPuts}, a put waits until more puts than the worker's bound have started, or
     * 100 ms: without the bound, all 30 of a batch would be in flight together.
     */
    private void holdWhileFew(int inFlight) {
        if (!holdPuts) {
            return;
        }
        if (inFlight > RecordWorker.MESSAGES_IN_FLIGHT) {
            tooManyPuts.countDown();
        }
        try {
            tooManyPuts.await(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aFailedEventEntryFailsOnlyItsMessage() throws Exception {
        RecordId unlucky = RecordId.random();
        failEventFor.add(unlucky.toString());
        List<QueuedMessage> batch = List.of(message("a", RecordId.random(), SECRET), message("b", unlucky, SECRET),
                message("c", RecordId.random(), SECRET));

        assertEquals(List.of("b"), worker.process(batch, "req-2"));
        assertEquals(2, details("RecordStored").size());
        assertEquals(List.of("b " + unlucky + " event not accepted"), failuresHeard);

        failEventFor.clear();
        assertEquals(List.of(), worker.process(List.of(message("b", unlucky, "ANOTHER TEXT")), "req-3"),
                "the redelivery succeeds");
        JsonNode again = details("RecordStored").get(2);
        assertEquals(unlucky.toString(), again.path("uuid").asText());
        byte[] stored = table.get(unlucky.toString()).get("ct").b().asByteArray();
        assertEquals(new StringBuilder(SECRET).reverse().toString(), new String(stored, StandardCharsets.UTF_8),
                "the first stored plaintext is kept");
    }

    @Test
    void aStoreFailureFailsOnlyItsMessageAndNamesTheUuid() {
        RecordId unlucky = RecordId.random();
        failPutFor.add(unlucky.toString());

        List<String> retry = worker.process(List.of(message("a", RecordId.random(), SECRET), message("b", unlucky, SECRET)), "req-4");

        assertEquals(List.of("b"), retry);
        assertEquals(List.of("b " + unlucky + " DynamoDbException"), failuresHeard);
        assertEquals(1, table.size());
    }

    @Test
    void poisonIsRejectedWithAnEventAndNotRetried() throws Exception {
        RecordId id = RecordId.random();
        List<QueuedMessage> batch = List.of(
                new QueuedMessage("not-json", "{" + SECRET),
                new QueuedMessage("bad-version", "{\"v\": 2, \"uuid\": \"" + id + "\", \"plaintext\": \"" + SECRET + "\"}"),
                new QueuedMessage("bad-uuid", "{\"v\": 1, \"uuid\": \"1-1-1-1-1\", \"plaintext\": \"" + SECRET + "\"}"),
                new QueuedMessage("too-large", "{\"v\": 1, \"uuid\": \"" + id + "\", \"plaintext\": \"" + "x".repeat(1025) + "\"}"));

        assertEquals(List.of(), worker.process(batch, "req-5"), "never retried");

        List<JsonNode> rejected = details("RecordRejected");
        assertEquals(List.of("not-json", "bad-version", "bad-uuid", "too-large"),
                rejected.stream().map(d -> d.path("messageId").asText()).toList());
        assertEquals(id.toString(), rejected.get(1).path("uuid").asText());
        assertTrue(table.isEmpty());
        assertTrue(failuresHeard.isEmpty());
    }
}
