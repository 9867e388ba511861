package dev.cryptopipe.local.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.core.RecordId;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;

/**
 * The request queue's dead letters: what is there (identifiers only, never a body or a
 * plaintext) and moving it back to the request queue. Works on any SQS API: it only receives,
 * sends and deletes.
 */
public final class DeadLetters {
    /** How long a message stays hidden while it is being listed or moved; it is made visible again at once after. */
    static final int HOLD_SECONDS = 30;

    private final SqsClient sqs;
    private final String deadLetterQueueUrl;
    private final String requestQueueUrl;

    public DeadLetters(SqsClient sqs, String deadLetterQueueUrl, String requestQueueUrl) {
        this.sqs = sqs;
        this.deadLetterQueueUrl = deadLetterQueueUrl;
        this.requestQueueUrl = requestQueueUrl;
    }

    /**
     * One dead letter, described from its body and attributes. {@code uuid} and {@code ref} are
     * empty when the body does not carry them (then {@code note} says why); {@code firstError}
     * is empty when no journal knows it.
     */
    public record Entry(String messageId, Optional<String> uuid, Optional<String> ref, int receiveCount,
                        Optional<Instant> sentAt, Optional<String> firstError, Optional<String> note) {
    }

    /** What a redrive did. */
    public record Redrive(int moved, int failed) {
    }

    /**
     * Lists every message in the dead-letter queue. Each is received once to be read (SQS has no
     * peek: its receive count goes up by one) and made visible again straight after.
     */
    public List<Entry> list(Map<String, String> firstErrors) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        List<Message> held = new ArrayList<>();
        try {
            while (true) {
                List<Message> received = receive();
                if (received.isEmpty()) {
                    break;
                }
                held.addAll(received);
                boolean anyNew = false;
                for (Message message : received) {
                    anyNew |= entries.putIfAbsent(message.messageId(), describe(message, firstErrors)) == null;
                }
                if (!anyNew) {
                    break; // an emulator that ignores the visibility timeout would hand out the same ones forever
                }
            }
        } finally {
            release(held);
        }
        return List.copyOf(entries.values());
    }

    /**
     * Moves every dead letter back to the request queue: sent there first, deleted here only
     * once SQS has taken it (a message is never lost, at worst it is there twice, and the worker
     * stores one record per uuid). A message that comes back to this queue while the redrive
     * runs (it failed again) is left for the next one.
     */
    public Redrive redrive() {
        long started = System.currentTimeMillis();
        int moved = 0;
        int failed = 0;
        while (true) {
            List<Message> received = receive();
            List<Message> toMove = new ArrayList<>();
            List<Message> toRelease = new ArrayList<>();
            for (Message message : received) {
                (sentAt(message).map(sent -> sent.toEpochMilli() >= started).orElse(false) ? toRelease : toMove).add(message);
            }
            if (toMove.isEmpty()) {
                release(received);
                return new Redrive(moved, failed);
            }
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < toMove.size(); i++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(toMove.get(i).body()).build());
            }
            SendMessageBatchResponse sent;
            try {
                sent = sqs.sendMessageBatch(batch -> batch.queueUrl(requestQueueUrl).entries(entries));
            } catch (RuntimeException e) {
                release(received);
                throw e;
            }
            List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
            for (SendMessageBatchResultEntry ok : sent.successful()) {
                Message message = toMove.get(Integer.parseInt(ok.id()));
                done.add(DeleteMessageBatchRequestEntry.builder().id(ok.id()).receiptHandle(message.receiptHandle()).build());
            }
            for (BatchResultErrorEntry error : sent.failed()) {
                toRelease.add(toMove.get(Integer.parseInt(error.id())));
            }
            if (!done.isEmpty()) {
                sqs.deleteMessageBatch(delete -> delete.queueUrl(deadLetterQueueUrl).entries(done));
            }
            moved += done.size();
            failed += sent.failed().size();
            release(toRelease);
            if (!sent.failed().isEmpty() && done.isEmpty()) {
                return new Redrive(moved, failed); // the request queue takes nothing now; stop rather than spin
            }
        }
    }

    private List<Message> receive() {
        return sqs.receiveMessage(receive -> receive
                .queueUrl(deadLetterQueueUrl)
                .maxNumberOfMessages(10)
                .waitTimeSeconds(1)
                .visibilityTimeout(HOLD_SECONDS)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
    }

    /** Makes held messages visible again at once. */
    private void release(List<Message> messages) {
        for (int start = 0; start < messages.size(); start += 10) {
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (Message message : messages.subList(start, Math.min(messages.size(), start + 10))) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
                        .id(Integer.toString(entries.size()))
                        .receiptHandle(message.receiptHandle())
                        .visibilityTimeout(0)
                        .build());
            }
            try {
                sqs.changeMessageVisibilityBatch(change -> change.queueUrl(deadLetterQueueUrl).entries(entries));
            } catch (RuntimeException e) {
                // they become visible by themselves after HOLD_SECONDS
            }
        }
    }

    /** Reads only the identifying fields of a body; the plaintext is never kept or shown. */
    static Entry describe(Message message, Map<String, String> firstErrors) {
        Optional<String> uuid = Optional.empty();
        Optional<String> ref = Optional.empty();
        Optional<String> note = Optional.empty();
        try {
            JsonNode body = Json.MAPPER.readTree(message.body());
            if (body != null && body.isObject()) {
                JsonNode id = body.get("uuid");
                if (id != null && id.isTextual()) {
                    try {
                        uuid = Optional.of(RecordId.parse(id.textValue()).toString());
                    } catch (ApiException e) {
                        note = Optional.of("uuid is not a canonical UUID");
                    }
                } else {
                    note = Optional.of("no uuid");
                }
                JsonNode reference = body.get("ref");
                if (reference != null && reference.isTextual()) {
                    ref = Optional.of(printable(reference.textValue()));
                }
            } else {
                note = Optional.of("body is not a JSON object");
            }
        } catch (IOException e) {
            note = Optional.of("body is not JSON");
        }
        int receives;
        try {
            receives = Integer.parseInt(message.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "0"));
        } catch (NumberFormatException e) {
            receives = 0;
        }
        return new Entry(message.messageId(), uuid, ref, receives, sentAt(message),
                Optional.ofNullable(firstErrors.get(message.messageId())), note);
    }

    private static Optional<Instant> sentAt(Message message) {
        try {
            return Optional.ofNullable(message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP))
                    .map(Long::parseLong).map(Instant::ofEpochMilli);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A ref as one safe line: control characters become '?', at most 256 characters. */
    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(256).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }
}
