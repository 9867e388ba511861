package dev.cryptopipe.local.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.service.RecordWorker;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The first error of each message the worker failed, one JSON line each ({@code messageId},
 * {@code uuid}, {@code reason}, {@code at}), so {@code ./cryptopipe dlq} can say why a message
 * is there. SQS keeps no such note; on AWS the worker's "message.failed" log lines say it.
 * Reasons are exception names or fixed phrases: never a plaintext.
 */
public final class FailureJournal implements RecordWorker.FailureListener {
    /** Past this size an old journal is started afresh when the runtime starts. */
    static final long MAX_BYTES = 8L * 1024 * 1024;

    private final Path file;
    private final Set<String> noted = ConcurrentHashMap.newKeySet();

    public FailureJournal(Path file) {
        this.file = file;
        try {
            Files.createDirectories(file.getParent());
            if (Files.isRegularFile(file) && Files.size(file) > MAX_BYTES) {
                Files.delete(file);
            }
        } catch (IOException ignored) {
            // the journal is a convenience; failures to keep it never stop the pipeline
        }
    }

    @Override
    public void failed(String messageId, String uuid, String reason) {
        if (!noted.add(messageId)) {
            return;
        }
        var line = Json.MAPPER.createObjectNode().put("messageId", messageId);
        if (uuid != null) {
            line.put("uuid", uuid);
        }
        line.put("reason", reason).put("at", Instant.now().toString());
        synchronized (this) {
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                out.write(line.toString());
                out.newLine();
            } catch (IOException ignored) {
                // as above
            }
        }
    }

    /** Message id → "reason (at)" of its first failure, from a journal file (empty if none). */
    public static Map<String, String> firstErrors(Path file) {
        Map<String, String> first = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return first;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (String text : lines) {
                try {
                    JsonNode line = Json.MAPPER.readTree(text);
                    first.putIfAbsent(line.path("messageId").asText(),
                            line.path("reason").asText() + " at " + line.path("at").asText());
                } catch (IOException | RuntimeException unreadable) {
                    // a torn last line after a crash; skip it
                }
            }
        } catch (IOException ignored) {
            // as above
        }
        return first;
    }
}
