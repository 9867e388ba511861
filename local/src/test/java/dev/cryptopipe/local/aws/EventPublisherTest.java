package dev.cryptopipe.local.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.aws.EventPublisher;
import dev.cryptopipe.aws.EventPublisher.Event;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.core.RecordRejected;
import dev.cryptopipe.core.RecordStored;
import dev.cryptopipe.local.EmulatorExtension;
import dev.cryptopipe.local.emulator.Emulator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * {@link EventPublisher} against a real EventBridge API: events reach the SQS targets of the
 * rules they match on a custom bus, in PutEvents calls EventBridge accepts (at most 10 entries).
 */
@ExtendWith(EmulatorExtension.class)
class EventPublisherTest {
    private static final String STORED_PATTERN = "{\"source\": [\"cryptopipe\"], \"detail-type\": [\"RecordStored\"]}";
    private static final String ALL_PATTERN = "{\"source\": [\"cryptopipe\"]}";

    /** Entries of each PutEvents call the publisher makes, observed on the real client. */
    private static final List<Integer> putEventsCalls = new CopyOnWriteArrayList<>();

    private static AwsResources aws;
    private static EventBridgeClient countingClient;
    private static String storedQueue;
    private static String allQueue;
    private static EventPublisher publisher;

    @BeforeAll
    static void createBusRulesAndQueues(Emulator emulator) {
        aws = new AwsResources();
        String bus = aws.bus("cryptopipe-it-bus");
        storedQueue = aws.queue("cryptopipe-it-stored");
        allQueue = aws.queue("cryptopipe-it-all");
        aws.rule(bus, "cryptopipe-it-stored", STORED_PATTERN, storedQueue);
        aws.rule(bus, "cryptopipe-it-all", ALL_PATTERN, allQueue);
        // Not SdkClients.build: it sets the whole override configuration, so it cannot take an
        // interceptor. The HTTP client is the same; endpoint, region and credentials likewise.
        countingClient = EventBridgeClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(override -> override.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        if (context.request() instanceof PutEventsRequest put) {
                            putEventsCalls.add(put.entries().size());
                        }
                    }
                }))
                .build();
        publisher = new EventPublisher(countingClient, bus);
    }

    @AfterAll
    static void removeBusRulesAndQueues() {
        countingClient.close();
        aws.close();
    }

    @Test
    void twentyFiveStoredEventsGoOutInThreeCallsAndAllArrive() {
        List<RecordStored> stored = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            Optional<String> ref = i % 3 == 0 ? Optional.empty() : Optional.of("ref-" + i + "-" + aws.suffix);
            stored.add(new RecordStored(RecordId.random(), ref, Instant.parse("2025-05-05T10:00:00Z").plusMillis(i),
                    UUID.randomUUID().toString()));
        }
        putEventsCalls.clear();

        boolean[] accepted = publisher.publish(stored.stream().map(EventPublisher::stored).toList());

        boolean[] all = new boolean[25];
        java.util.Arrays.fill(all, true);
        assertArrayEquals(all, accepted, "every entry accepted");
        assertEquals(List.of(10, 10, 5), putEventsCalls, "PutEvents calls of at most 10 entries");

        Map<String, RecordStored> expected = stored.stream()
                .collect(Collectors.toMap(event -> event.id().toString(), Function.identity()));
        List<Message> received = aws.receiveUntil(storedQueue,
                messages -> uuids(messages, "RecordStored").containsAll(expected.keySet()));
        List<JsonNode> ours = AwsResources.events(received, "RecordStored").stream()
                .filter(event -> expected.containsKey(event.path("detail").path("uuid").asText()))
                .toList();
        assertEquals(25, ours.size(), "the 25 events at the RecordStored rule's queue");
        for (JsonNode event : ours) {
            assertEquals(EventPublisher.SOURCE, event.path("source").asText());
            JsonNode detail = event.path("detail");
            RecordStored sent = expected.get(detail.path("uuid").asText());
            assertEquals(sent.ref().orElse(null), detail.has("ref") ? detail.get("ref").asText() : null, "ref");
            assertEquals(sent.storedAt().toString(), detail.path("storedAt").asText());
            assertEquals(sent.keyId(), detail.path("keyId").asText());
        }
        assertEquals(25, ours.stream().map(event -> event.path("detail").path("uuid").asText()).distinct().count());
    }

    @Test
    void rejectedEventDoesNotMatchTheRecordStoredRule() {
        RecordId rejectedId = RecordId.random();
        String messageId = "message-" + UUID.randomUUID();
        RecordId sentinelId = RecordId.random();
        Event rejected = EventPublisher.rejected(new RecordRejected(messageId, Optional.of(rejectedId),
                Optional.of("rejected-ref"), "plaintext is larger than 10 bytes (UTF-8)"));
        Event sentinel = EventPublisher.stored(new RecordStored(sentinelId, Optional.empty(), Instant.now(), "dk"));

        assertArrayEquals(new boolean[] {true, true}, publisher.publish(List.of(rejected, sentinel)));

        // The catch-all rule shows the rejected event did go through the bus ...
        List<Message> all = aws.receiveUntil(allQueue, messages -> messageIds(messages).contains(messageId)
                && uuids(messages, "RecordStored").contains(sentinelId.toString()));
        List<JsonNode> rejections = AwsResources.events(all, "RecordRejected").stream()
                .filter(event -> messageId.equals(event.path("detail").path("messageId").asText()))
                .toList();
        assertEquals(1, rejections.size(), "the RecordRejected event reaches a rule that matches it");
        JsonNode detail = rejections.getFirst().path("detail");
        assertEquals(EventPublisher.SOURCE, rejections.getFirst().path("source").asText());
        assertEquals(rejectedId.toString(), detail.path("uuid").asText());
        assertEquals("rejected-ref", detail.path("ref").asText());
        assertEquals("plaintext is larger than 10 bytes (UTF-8)", detail.path("reason").asText());

        // ... and the RecordStored rule, given time to deliver the event published with it, never got it.
        List<Message> stored = aws.receiveUntil(storedQueue,
                messages -> uuids(messages, "RecordStored").contains(sentinelId.toString()));
        assertTrue(uuids(stored, "RecordStored").contains(sentinelId.toString()), "the sentinel RecordStored arrives");
        assertFalse(messageIds(stored).contains(messageId), "RecordRejected matched the RecordStored rule");
        assertEquals(List.of(), AwsResources.events(stored, "RecordRejected"));
    }

    @Test
    void anEntryEventBridgeRefusesIsReportedAtItsPosition() {
        Event good = EventPublisher.stored(new RecordStored(RecordId.random(), Optional.empty(), Instant.now(), "dk"));
        Event malformed = new Event(RecordStored.DETAIL_TYPE, "not JSON");

        boolean[] accepted = publisher.publish(List.of(good, malformed, good));

        assertArrayEquals(new boolean[] {true, false, true}, accepted);
    }

    @Test
    void nothingToPublishMakesNoCall() {
        putEventsCalls.clear();

        assertEquals(0, publisher.publish(List.of()).length);
        assertEquals(List.of(), putEventsCalls);
    }

    private static Set<String> uuids(List<Message> messages, String detailType) {
        return AwsResources.events(messages, detailType).stream()
                .map(event -> event.path("detail").path("uuid").asText())
                .collect(Collectors.toSet());
    }

    private static Set<String> messageIds(List<Message> messages) {
        return messages.stream().map(AwsResources::event)
                .map(event -> event.path("detail").path("messageId").asText())
                .collect(Collectors.toSet());
    }
}
