package dev.cryptopipe.local.subscriber;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.Json;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A subscriber of the kind a user would build: reads the queue behind the RecordStored rule
 * and prints one line per event. Events carry ids only, so nothing secret can be printed.
 */
public final class EventPrinter implements AutoCloseable {
    private final SqsClient sqs;
    private final String queueUrl;
    private final PrintStream out;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private Thread thread;

    public EventPrinter(SqsClient sqs, String queueUrl, PrintStream out) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.out = out;
    }

    public EventPrinter start() {
        thread = Thread.ofPlatform().daemon().name("event-printer").start(this::loop);
        return this;
    }

    @Override
    public void close() {
        running.set(false);
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        while (running.get()) {
            try {
                List<Message> messages = sqs.receiveMessage(receive -> receive
                        .queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
                if (messages.isEmpty()) {
                    continue;
                }
                List<DeleteMessageBatchRequestEntry> printed = new ArrayList<>(messages.size());
                for (Message message : messages) {
                    out.println(describe(message.body()));
                    printed.add(DeleteMessageBatchRequestEntry.builder()
                            .id(Integer.toString(printed.size())).receiptHandle(message.receiptHandle()).build());
                }
                // One call for the lot: a line printed twice (a failed delete) is what "at least once" allows.
                sqs.deleteMessageBatch(delete -> delete.queueUrl(queueUrl).entries(printed));
            } catch (RuntimeException e) {
                if (!running.get()) {
                    return;
                }
            }
        }
    }

    /** One line: the detail type, then the event's identifying fields. */
    static String describe(String body) {
        try {
            JsonNode event = Json.MAPPER.readTree(body);
            JsonNode detail = event.path("detail");
            StringBuilder line = new StringBuilder(event.path("detail-type").asText("event"));
            for (String field : List.of("uuid", "ref", "storedAt", "keyId", "messageId", "reason")) {
                if (detail.hasNonNull(field)) {
                    line.append(' ').append(field).append('=').append(detail.get(field).asText());
                }
            }
            return line.toString();
        } catch (JsonProcessingException e) {
            return "event (unreadable body)";
        }
    }
}
