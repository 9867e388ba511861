package dev.cryptopipe.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The SQS request message, version 1:
 * {@code {"v": 1, "uuid": "…", "plaintext": "…", "ref": "…"?, "acceptedAt": "…"}}.
 */
public final class RequestMessages {
    public static final int VERSION = 1;
    /** SQS refuses bodies over 256 KiB. */
    public static final int MAX_MESSAGE_BYTES = 262_144;

    private RequestMessages() {
    }

    public static String encode(EncryptRequest request) {
        ObjectNode node = Json.MAPPER.createObjectNode()
                .put("v", VERSION)
                .put("uuid", request.id().toString())
                .put("plaintext", request.plaintext());
        request.ref().ifPresent(ref -> node.put("ref", ref));
        node.put("acceptedAt", request.acceptedAt().toString());
        try {
            return Json.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /**
     * Reads a message body, applying the same limits as intake (a producer may bypass intake).
     *
     * @throws RejectedMessageException if the message can never be stored
     */
    public static EncryptRequest decode(String body, Limits limits) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw rejected("message body is not JSON", Optional.empty(), Optional.empty());
        }
        if (node == null || !node.isObject()) {
            throw rejected("message body is not a JSON object", Optional.empty(), Optional.empty());
        }
        Optional<String> ref = text(node, "ref");
        Optional<RecordId> id = Optional.empty();
        try {
            id = Optional.of(RecordId.parse(text(node, "uuid").orElse(null)));
        } catch (ApiException e) {
            throw rejected("uuid is missing or not a canonical UUID", id, ref);
        }
        if (!node.path("v").isInt() || node.get("v").intValue() != VERSION) {
            throw rejected("unknown message version " + node.path("v"), id, ref);
        }
        JsonNode plaintext = node.get("plaintext");
        if (plaintext == null || !plaintext.isTextual()) {
            throw rejected("plaintext is missing or not a string", id, ref);
        }
        if (node.has("ref") && !node.get("ref").isTextual()) {
            throw rejected("ref is not a string", id, ref);
        }
        try {
            limits.checkPlaintext(plaintext.textValue());
            ref.ifPresent(limits::checkRef);
        } catch (ApiException e) {
            throw rejected(e.getMessage(), id, ref);
        }
        return new EncryptRequest(id.get(), plaintext.textValue(), ref, acceptedAt(node));
    }

    private static Instant acceptedAt(JsonNode node) {
        try {
            return text(node, "acceptedAt").map(Instant::parse).orElseGet(Instant::now);
        } catch (DateTimeParseException e) {
            return Instant.now();
        }
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? Optional.of(value.textValue()) : Optional.empty();
    }

    private static RejectedMessageException rejected(String reason, Optional<RecordId> id, Optional<String> ref) {
        return new RejectedMessageException(reason, id, ref);
    }
}
