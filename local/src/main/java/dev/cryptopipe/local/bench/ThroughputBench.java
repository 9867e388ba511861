package dev.cryptopipe.local.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.core.Json;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Part 1 and 2: records per second end to end, and the AWS calls made, for both designs. */
final class ThroughputBench {
    static final int PLAINTEXT_BYTES = 1024;
    private static final Duration DELIVERY_TIMEOUT = Duration.ofMinutes(15);

    /** One measured run of one design. */
    record Run(String design, int records, int requests, int concurrency, double seconds, double acceptedSeconds,
               Map<String, Long> calls, Map<String, Long> attempts, Map<String, Long> wireNanos, List<String> uuids) {
        double recordsPerSecond() {
            return records / seconds;
        }

        /** "Service Operation" → calls per 1,000 records. */
        Map<String, Double> callsPerThousand() {
            Map<String, Double> per = new LinkedHashMap<>();
            calls.forEach((operation, count) -> per.put(operation, count * 1000.0 / records));
            return per;
        }

        double callsPerThousand(String service) {
            return calls.entrySet().stream()
                    .filter(entry -> entry.getKey().startsWith(service + " "))
                    .mapToLong(Map.Entry::getValue).sum() * 1000.0 / records;
        }

        long retries() {
            return attempts.values().stream().mapToLong(Long::longValue).sum()
                    - calls.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private ThroughputBench() {
    }

    /**
     * The pipeline: POST /encrypt/batch of {@code batchSize} items, {@code concurrency} requests
     * in flight, from the first request until the subscriber has seen every record's RecordStored.
     * The producer keeps at most {@code window} records accepted but not yet seen stored.
     */
    static Run pipeline(URI gateway, StoredEvents events, Set<String> ignoredQueues, int records, int batchSize,
                        int concurrency, int window, Random random) throws InterruptedException {
        List<String> bodies = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int start = 0; start < records; start += batchSize) {
            sizes.add(Math.min(records, start + batchSize) - start);
            ObjectNode body = Json.MAPPER.createObjectNode();
            ArrayNode items = body.putArray("items");
            for (int i = start; i < Math.min(records, start + batchSize); i++) {
                items.addObject().put("plaintext", Load.plaintext(random, PLAINTEXT_BYTES));
            }
            bodies.add(write(body));
        }
        events.reset();
        CallCounter.Recording recording = CallCounter.start(ignoredQueues);
        long started = System.nanoTime();
        List<String> uuids;
        long accepted;
        long done;
        try {
            Load.Gate producer = new Load.Gate() {
                @Override
                public void beforeSend(int request) throws InterruptedException {
                    events.reserve(sizes.get(request), window, DELIVERY_TIMEOUT);
                }

                @Override
                public void answered(int request, List<String> ids) {
                    events.answered(sizes.get(request), ids);
                }
            };
            uuids = Load.post(gateway.resolve("/encrypt/batch"), bodies, concurrency, 202, "results", producer)
                    .stream().flatMap(List::stream).toList();
            accepted = System.nanoTime();
            done = events.awaitAll(DELIVERY_TIMEOUT);
        } finally {
            CallCounter.stop();
        }
        if (uuids.size() != records) {
            throw new IllegalStateException("the pipeline accepted " + uuids.size() + " of " + records + " records");
        }
        if (done < 0) {
            throw new IllegalStateException(events.missing() + " of " + records + " records had no RecordStored within "
                    + DELIVERY_TIMEOUT.toMinutes() + " minutes");
        }
        return new Run("pipeline", records, bodies.size(), concurrency, seconds(done - started), seconds(accepted - started),
                recording.calls(), recording.attempts(), recording.wireNanos(), uuids);
    }

    /** The first design: one POST per record, answered once KMS Encrypt and PutItem are done. */
    static Run baseline(URI gateway, Set<String> ignoredQueues, int records, int concurrency, Random random)
            throws InterruptedException {
        List<String> bodies = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            bodies.add(write(Json.MAPPER.createObjectNode().put("plaintext", Load.plaintext(random, PLAINTEXT_BYTES))));
        }
        CallCounter.Recording recording = CallCounter.start(ignoredQueues);
        long started = System.nanoTime();
        List<String> uuids;
        long done;
        try {
            uuids = Load.post(gateway.resolve("/encrypt"), bodies, concurrency, 200, "uuid", Load.Gate.OPEN)
                    .stream().flatMap(List::stream).toList();
            done = System.nanoTime();
        } finally {
            CallCounter.stop();
        }
        return new Run("first design", records, bodies.size(), concurrency, seconds(done - started), seconds(done - started),
                recording.calls(), recording.attempts(), recording.wireNanos(), uuids);
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static String write(ObjectNode node) {
        try {
            return Json.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }
}
