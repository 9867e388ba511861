package dev.cryptopipe.local.faults;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads records back over HTTP as a reader with curl would ({@code GET /records/{uuid}}), many at
 * once, and says which did not come back exactly as expected. 429 and 5xx are retried until the
 * deadline; so is 404 when {@code waitForStored} (a record not stored yet). Never prints a plaintext.
 */
public final class ReadBack {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    public final AtomicLong retries = new AtomicLong();

    public ReadBack(URI base) {
        this.base = base;
    }

    /** The uuids that never read back as exactly their expected plaintext. */
    public List<String> mismatches(Map<String, String> expected, int parallelism, Duration deadline, boolean waitForStored)
            throws InterruptedException {
        Instant until = Instant.now().plus(deadline);
        Semaphore slots = new Semaphore(parallelism);
        Set<String> wrong = ConcurrentHashMap.newKeySet();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Map.Entry<String, String> entry : expected.entrySet()) {
                slots.acquire();
                executor.submit(() -> {
                    try {
                        if (!readsBack(entry.getKey(), entry.getValue(), until, waitForStored)) {
                            wrong.add(entry.getKey());
                        }
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        return new ArrayList<>(wrong);
    }

    private boolean readsBack(String uuid, String plaintext, Instant until, boolean waitForStored) {
        while (true) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/records/" + uuid))
                        .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status == 200) {
                    JsonNode record = Json.MAPPER.readTree(response.body());
                    return uuid.equals(record.path("uuid").asText()) && plaintext.equals(record.path("plaintext").asText());
                }
                if (status != 429 && status < 500 && !(status == 404 && waitForStored)) {
                    return false;
                }
            } catch (IOException e) {
                // retried below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            retries.incrementAndGet();
            if (Instant.now().isAfter(until) || !pause()) {
                return false;
            }
        }
    }

    private static boolean pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(100);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
