package dev.cryptopipe.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** HTTP load for the bench: a fixed number of clients, each sending its next request once the last is answered. */
final class Load {
    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ".toCharArray();

    private Load() {
    }

    /** A fresh plaintext of {@code length} ASCII characters; bench data only, never printed. */
    static String plaintext(Random random, int length) {
        char[] text = new char[length];
        for (int i = 0; i < length; i++) {
            text[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(text);
    }

    /** Paces a producer: called before each request is sent and with each answer's uuids. */
    interface Gate {
        Gate OPEN = new Gate() {
        };

        default void beforeSend(int request) throws InterruptedException {
        }

        default void answered(int request, List<String> uuids) {
        }
    }

    /**
     * POSTs every body with {@code concurrency} requests in flight and returns the answers' uuids in
     * request order: {@code field} of the answer, or of each element of {@code field} when it is an array.
     */
    static List<List<String>> post(URI uri, List<String> bodies, int concurrency, int expectedStatus, String field, Gate gate)
            throws InterruptedException {
        List<List<String>> uuids = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            uuids.add(null);
        }
        AtomicInteger next = new AtomicInteger();
        try (ExecutorService clients = Executors.newFixedThreadPool(concurrency, Thread.ofPlatform().daemon().name("bench-client-", 0).factory())) {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                running.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
                        gate.beforeSend(i);
                        List<String> answer = send(uri, bodies.get(i), expectedStatus, field);
                        uuids.set(i, answer);
                        gate.answered(i, answer);
                    }
                    return null;
                }));
            }
            for (Future<?> client : running) {
                try {
                    client.get();
                } catch (ExecutionException e) {
                    clients.shutdownNow(); // the other clients may be waiting on a producer's window
                    throw new IllegalStateException("bench request failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
        }
        return uuids;
    }

    private static List<String> send(URI uri, String body, int expectedStatus, String field) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri)
                        .timeout(REQUEST_TIMEOUT)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expectedStatus) {
            // The answer of an error holds a code and a message, never the plaintext.
            throw new IllegalStateException("POST " + uri.getPath() + " answered " + response.statusCode() + ": " + response.body());
        }
        JsonNode answer = Json.MAPPER.readTree(response.body());
        JsonNode value = answer.path(field);
        List<String> ids = new ArrayList<>();
        if (value.isArray()) {
            for (JsonNode item : value) {
                if (!item.hasNonNull("uuid")) {
                    throw new IllegalStateException("POST " + uri.getPath() + " refused an item: " + item.path("error"));
                }
                ids.add(item.get("uuid").asText());
            }
        } else if (value.isTextual()) {
            ids.add(value.asText());
        } else {
            throw new IllegalStateException("POST " + uri.getPath() + " answered without " + field);
        }
        return ids;
    }
}
