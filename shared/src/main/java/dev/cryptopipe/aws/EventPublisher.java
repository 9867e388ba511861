package dev.cryptopipe.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.core.RecordRejected;
import dev.cryptopipe.core.RecordStored;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/**
 * Publishes cryptopipe events to the custom bus with {@code source: "cryptopipe"}, in
 * PutEvents calls of at most 10 entries, and reports which entries failed.
 */
public final class EventPublisher {
    public static final String SOURCE = "cryptopipe";
    static final int MAX_ENTRIES_PER_CALL = 10;

    private final EventBridgeClient events;
    private final String busName;

    public EventPublisher(EventBridgeClient events, String busName) {
        this.events = events;
        this.busName = busName;
    }

    /** One event ready to send: its detail type and JSON detail. */
    public record Event(String detailType, String detail) {
    }

    public static Event stored(RecordStored stored) {
        ObjectNode detail = Json.MAPPER.createObjectNode().put("uuid", stored.id().toString());
        stored.ref().ifPresent(ref -> detail.put("ref", ref));
        detail.put("storedAt", stored.storedAt().toString()).put("keyId", stored.keyId());
        return new Event(RecordStored.DETAIL_TYPE, write(detail));
    }

    public static Event rejected(RecordRejected rejected) {
        ObjectNode detail = Json.MAPPER.createObjectNode().put("messageId", rejected.messageId());
        rejected.id().ifPresent(id -> detail.put("uuid", id.toString()));
        rejected.ref().ifPresent(ref -> detail.put("ref", ref));
        detail.put("reason", rejected.reason());
        return new Event(RecordRejected.DETAIL_TYPE, write(detail));
    }

    /**
     * Returns, in order, whether each event was accepted by EventBridge. A call that fails
     * (after the SDK's retries) marks only its own entries as not accepted.
     */
    public boolean[] publish(List<Event> batch) {
        boolean[] accepted = new boolean[batch.size()];
        for (int start = 0; start < batch.size(); start += MAX_ENTRIES_PER_CALL) {
            List<Event> chunk = batch.subList(start, Math.min(batch.size(), start + MAX_ENTRIES_PER_CALL));
            List<PutEventsRequestEntry> entries = new ArrayList<>(chunk.size());
            for (Event event : chunk) {
                entries.add(PutEventsRequestEntry.builder()
                        .eventBusName(busName)
                        .source(SOURCE)
                        .detailType(event.detailType())
                        .detail(event.detail())
                        .build());
            }
            List<PutEventsResultEntry> results;
            try {
                results = events.putEvents(put -> put.entries(entries)).entries();
            } catch (RuntimeException e) {
                continue; // these entries stay not accepted; the next chunk may still go out
            }
            for (int i = 0; i < chunk.size(); i++) {
                PutEventsResultEntry result = i < results.size() ? results.get(i) : null;
                accepted[start + i] = result != null && result.errorCode() == null && result.eventId() != null;
            }
        }
        return accepted;
    }

    private static String write(ObjectNode node) {
        try {
            return Json.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }
}
