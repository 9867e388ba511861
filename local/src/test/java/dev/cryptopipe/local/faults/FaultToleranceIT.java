package dev.cryptopipe.local.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.local.EmulatorExtension;
import dev.cryptopipe.local.LocalState;
import dev.cryptopipe.local.dlq.DeadLetters;
import dev.cryptopipe.local.dlq.DlqCommand;
import dev.cryptopipe.local.dlq.FailureJournal;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.faults.Harness.Answer;
import dev.cryptopipe.local.faults.Harness.Item;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * 5,000 records through {@code POST /encrypt/batch} while one in ten of the functions' KMS,
 * DynamoDB, EventBridge and SQS calls fails (and one in ten batch entries): every accepted uuid
 * ends stored and reads back as exactly what was sent, every stored uuid is announced, poison
 * sent straight to the queue ends as RecordRejected, and a message that can never be stored
 * ends in the dead-letter queue, from where a redrive brings it home once the cause is gone.
 * The pipeline runs in this JVM so {@link FaultInjector} sees its calls; failsafe gives this
 * class a JVM of its own (the handlers read their settings once per JVM).
 */
@ExtendWith(EmulatorExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultToleranceIT {
    private static final OutputWatch WATCH = OutputWatch.install();
    private static final int RECORDS = Integer.getInteger("cryptopipe.it.records", 5_000);
    private static final int BATCH = 100;
    private static final int PERIOD = 10; // one call in ten
    private static final int PRODUCERS = 8;
    private static final int DOOMED = 3;
    private static final Duration DEADLINE = Duration.ofMinutes(12);

    private Harness harness;
    private Emulator emulator;

    @BeforeAll
    void start(Emulator emulator, @TempDir Path state) throws IOException {
        this.emulator = emulator;
        // Many data keys, so KMS sees enough calls (GenerateDataKey here, Decrypt when reading) to fault.
        System.setProperty("DATA_KEY_MAX_RECORDS", "50");
        System.setProperty("CRYPTOPIPE_STATE_DIR", state.toString());
        System.setProperty("CRYPTOPIPE_VISIBILITY_TIMEOUT", "30");
        // Lambda runs up to WorkerMaxConcurrency (10) workers; more than the local default of 2
        // keeps the SDK's backoff sleeps under faults from idling the emulator.
        System.setProperty("CRYPTOPIPE_WORKER_CONCURRENCY", "4");
        harness = new Harness(WATCH);
    }

    @AfterAll
    void stop() {
        FaultInjector.disable();
        if (harness != null) {
            harness.close();
        }
        assertEquals(0, WATCH.leaks(), "a plaintext appeared in the pipeline's output");
        assertEquals(0, harness == null ? 0 : harness.printedLeaks.get(), "a plaintext appeared in a printed event");
    }

    @Test
    void nothingAcceptedIsLostOrWrongUnderFaults() throws Exception {
        PrintStream out = WATCH.original();
        FaultInjector.resetCounts();
        FaultInjector.enable(PERIOD);
        Instant started = Instant.now();

        // Three records whose every store fails: they must end in the DLQ, not anywhere else.
        Map<String, String> doomed = new LinkedHashMap<>();
        List<Item> doomedItems = new ArrayList<>();
        for (int k = 0; k < DOOMED; k++) {
            String key = "doomed-" + harness.runId + "-" + k;
            String uuid = RecordId.fromIdempotencyKey("anonymous", key).toString();
            FaultInjector.doom(uuid);
            doomedItems.add(new Item(harness.plaintext(-1 - k), Optional.of("doomed-" + k), Optional.of(key)));
            doomed.put(uuid, doomedItems.get(k).plaintext());
        }
        assertEquals(doomed.keySet(), new HashSet<>(acceptAll(doomedItems, new AtomicInteger()).keySet()));

        // Poison, as a producer writing to the queue directly might send it.
        Map<String, String> poison = sendPoison();

        // The bulk of the run.
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            items.add(new Item(harness.plaintext(i),
                    i % 3 == 0 ? Optional.of("r-" + i) : Optional.empty(),
                    i % 2 == 0 ? Optional.of("k-" + harness.runId + "-" + i) : Optional.empty()));
        }
        AtomicInteger unkeyedErrors = new AtomicInteger();
        Map<String, AtomicInteger> errorCodes = new ConcurrentHashMap<>();
        Map<String, String> expected = acceptInParallel(items, unkeyedErrors, errorCodes);
        Duration intake = Duration.between(started, Instant.now());
        assertEquals(RECORDS, expected.size(), "every item is accepted in the end, each under its own uuid");

        // Settled: every message is either done (deleted) or a dead letter. Under one failure in
        // ten per delivery, a message can fail all MaxReceiveCount deliveries by bad luck and end in
        // the DLQ as well; that is what the DLQ is for, so it counts as "waiting", not as lost.
        boolean settled = Harness.poll(DEADLINE, Duration.ofMillis(500), () ->
                harness.queueDepth(harness.resources.requestQueueUrl()) == 0
                        && harness.collector.rejected.keySet().containsAll(poison.keySet())
                        && dlqDepth() >= DOOMED
                        && unannounced(expected.keySet()).size() <= dlqDepth() - DOOMED);
        Duration processed = Duration.between(started, Instant.now());
        if (!settled) {
            throw new AssertionError("not settled within " + DEADLINE + ": rejected " + harness.collector.rejected.keySet()
                    + " of " + poison.keySet() + "; " + harness.diagnosis(expected.keySet()));
        }

        // The dead letters: the doomed records after maxReceiveCount deliveries, and any accepted
        // record that was unlucky as often; never poison. Listed without their plaintext.
        DeadLetters deadLetters = new DeadLetters(harness.sqs, harness.resources.deadLetterQueueUrl(), harness.resources.requestQueueUrl());
        List<DeadLetters.Entry> dead = deadLetters.list(FailureJournal.firstErrors(LocalState.failureJournal(emulator.endpoint())));
        Map<String, DeadLetters.Entry> deadByUuid = dead.stream().filter(e -> e.uuid().isPresent())
                .collect(Collectors.toMap(e -> e.uuid().orElseThrow(), e -> e, (a, b) -> a));
        assertEquals(dead.size(), deadByUuid.size(), "every dead letter is a readable request: " + dead);
        assertTrue(deadByUuid.keySet().containsAll(doomed.keySet()), "the doomed records are dead letters: " + dead);
        Set<String> unlucky = new HashSet<>(deadByUuid.keySet());
        unlucky.removeAll(doomed.keySet());
        assertTrue(expected.keySet().containsAll(unlucky), "the other dead letters are accepted records: " + dead);
        assertTrue(unlucky.containsAll(unannounced(expected.keySet())), "an accepted record that is not announced is a dead letter");
        for (DeadLetters.Entry entry : deadByUuid.values()) {
            assertTrue(entry.receiveCount() >= harness.resources.maxReceiveCount(), entry.toString());
            assertTrue(entry.firstError().isPresent(), "the journal knows why " + entry.messageId() + " failed");
            assertFalse(entry.toString().contains(harness.marker));
            assertFalse(DlqCommand.line(entry).contains(harness.marker));
        }
        Set<String> storedBeforeRedrive = recordIds();
        for (String uuid : doomed.keySet()) {
            assertFalse(storedBeforeRedrive.contains(uuid), "a doomed record was stored");
            assertTrue(deadByUuid.get(uuid).ref().orElse("").startsWith("doomed-"));
        }

        // The cause is gone: a redrive brings every dead letter home.
        doomed.keySet().forEach(FaultInjector::spare);
        DeadLetters.Redrive redrive = deadLetters.redrive();
        assertEquals(dead.size(), redrive.moved());
        Map<String, String> all = new LinkedHashMap<>(expected);
        all.putAll(doomed);
        if (!Harness.poll(Duration.ofMinutes(5), Duration.ofMillis(500), () -> harness.collector.storedAll(all.keySet()))) {
            throw new AssertionError("not all announced after the redrive: " + harness.diagnosis(all.keySet()));
        }
        Duration announced = Duration.between(started, Instant.now());

        // 0 lost, 0 wrong: every accepted uuid reads back as exactly what was sent.
        List<String> wrong = harness.readBackMismatches(all, 16, Duration.ofMinutes(5));
        Duration readBack = Duration.between(started, Instant.now()).minus(announced);
        assertEquals(List.of(), wrong, wrong.size() + " of " + all.size() + " accepted records are missing or wrong");

        // Exactly one record per uuid; the only others are items answered with an error that
        // had reached the queue anyway (an answer lost after SQS took the message).
        Set<String> inTable = recordIds();
        assertTrue(inTable.containsAll(all.keySet()));
        if (emulator.startedHere()) {
            int extra = inTable.size() - all.size();
            assertTrue(extra >= 0 && extra <= unkeyedErrors.get(), extra + " records beyond the accepted ones, but only "
                    + unkeyedErrors.get() + " items without a key were refused");
        }
        FaultInjector.disable();

        // The failure paths were really taken.
        Map<String, Long> counts = FaultInjector.counts();
        for (String service : List.of("Kms", "DynamoDb", "EventBridge", "Sqs")) {
            assertTrue(sum(counts, "injected " + service) > 0, "no fault reached " + service + ": " + counts);
            assertTrue(sum(counts, "surfaced " + service) > 0, "no " + service + " fault outlasted the SDK's retries: " + counts);
        }
        assertTrue(sum(counts, "lost responses") > 0, counts.toString());
        assertTrue(counts.getOrDefault("failed entries Sqs SendMessageBatch", 0L) > 0, "SendMessageBatch entry failures");
        assertTrue(counts.getOrDefault("calls Sqs SendMessage", 0L) > 0, "failed entries were retried alone");
        assertTrue(counts.getOrDefault("failed entries EventBridge PutEvents", 0L) > 0, "PutEvents entry failures");
        assertTrue(counts.getOrDefault("calls Sqs ChangeMessageVisibility", 0L) > 0, "the worker reported batchItemFailures");
        assertTrue(counts.getOrDefault("redeliveries Sqs ReceiveMessage", 0L) > 0, "messages were delivered again");
        assertTrue(errorCodes.values().stream().mapToInt(AtomicInteger::get).sum() > 0, "some items were answered with an error");
        for (String code : errorCodes.keySet()) {
            assertTrue(Set.of("THROTTLED", "UNAVAILABLE").contains(code), "an item failed with " + code);
        }
        assertTrue(harness.collector.stored.values().stream().anyMatch(n -> n.get() > 1), "some records were announced again");

        out.println("FaultToleranceIT: " + RECORDS + " records, 1 in " + PERIOD + " calls faulted: intake " + seconds(intake)
                + ", settled " + seconds(processed) + ", all announced after the redrive " + seconds(announced)
                + ", read back " + seconds(readBack)
                + "; items answered with an error " + errorCodes + " (unkeyed " + unkeyedErrors + "), read retries "
                + harness.readRetries + ", announced more than once "
                + harness.collector.stored.values().stream().filter(n -> n.get() > 1).count()
                + ", records " + inTable.size() + ", dead letters " + dead.size() + " (" + DOOMED + " doomed, "
                + unlucky.size() + " unlucky), output lines " + WATCH.lines()
                + "\nFaultToleranceIT counts: " + counts);
    }

    /** Submits every item until each is accepted (refused ones again, keyed ones with the same key). */
    private Map<String, String> acceptInParallel(List<Item> items, AtomicInteger unkeyedErrors,
                                                 Map<String, AtomicInteger> errorCodes) throws Exception {
        List<List<Item>> batches = new ArrayList<>();
        for (int start = 0; start < items.size(); start += BATCH) {
            batches.add(items.subList(start, Math.min(items.size(), start + BATCH)));
        }
        Map<String, String> accepted = new ConcurrentHashMap<>();
        try (ExecutorService producers = Executors.newFixedThreadPool(PRODUCERS)) {
            List<Future<Map<String, String>>> futures = new ArrayList<>();
            for (List<Item> batch : batches) {
                futures.add(producers.submit(() -> {
                    AtomicInteger unkeyed = new AtomicInteger();
                    Map<String, String> result = acceptAll(batch, unkeyed, errorCodes);
                    unkeyedErrors.addAndGet(unkeyed.get());
                    return result;
                }));
            }
            for (Future<Map<String, String>> future : futures) {
                Map<String, String> result = future.get();
                for (Map.Entry<String, String> entry : result.entrySet()) {
                    assertTrue(accepted.put(entry.getKey(), entry.getValue()) == null, "a uuid was given twice");
                }
            }
        }
        return accepted;
    }

    private Map<String, String> acceptAll(List<Item> batch, AtomicInteger unkeyedErrors) throws Exception {
        return acceptAll(batch, unkeyedErrors, new ConcurrentHashMap<>());
    }

    /** One producer's loop: send, keep the uuids, send the refused items again, up to 20 rounds. */
    private Map<String, String> acceptAll(List<Item> batch, AtomicInteger unkeyedErrors,
                                          Map<String, AtomicInteger> errorCodes) throws Exception {
        Map<String, String> accepted = new LinkedHashMap<>();
        List<Item> pending = batch;
        for (int round = 0; round < 20 && !pending.isEmpty(); round++) {
            List<Answer> answers = harness.submit(pending);
            List<Item> refused = new ArrayList<>();
            for (int i = 0; i < answers.size(); i++) {
                Answer answer = answers.get(i);
                if (answer.accepted()) {
                    accepted.put(answer.uuid(), pending.get(i).plaintext());
                } else {
                    errorCodes.computeIfAbsent(answer.errorCode(), k -> new AtomicInteger()).incrementAndGet();
                    if (pending.get(i).idempotencyKey().isEmpty()) {
                        unkeyedErrors.incrementAndGet();
                    }
                    refused.add(pending.get(i));
                }
            }
            pending = refused;
        }
        assertTrue(pending.isEmpty(), pending.size() + " items still refused after 20 rounds");
        return accepted;
    }

    /** Message id → kind, for five messages that can never be stored. */
    private Map<String, String> sendPoison() {
        String uuid = RecordId.random().toString();
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("not JSON", "not json " + harness.marker);
        bodies.put("unknown version", "{\"v\": 9, \"uuid\": \"" + uuid + "\", \"plaintext\": \"" + harness.marker + "\"}");
        bodies.put("invalid uuid", "{\"v\": 1, \"uuid\": \"1-1-1-1-1\", \"plaintext\": \"" + harness.marker + "\"}");
        bodies.put("too large", "{\"v\": 1, \"uuid\": \"" + RecordId.random() + "\", \"plaintext\": \"" + harness.marker
                + "x".repeat(140_000) + "\"}");
        bodies.put("no plaintext", "{\"v\": 1, \"uuid\": \"" + RecordId.random() + "\"}");
        Map<String, String> sent = new LinkedHashMap<>();
        bodies.forEach((kind, body) -> sent.put(harness.sqs.sendMessage(send -> send
                .queueUrl(harness.resources.requestQueueUrl()).messageBody(body)).messageId(), kind));
        return sent;
    }

    private Set<String> unannounced(Set<String> uuids) {
        Set<String> missing = new HashSet<>(uuids);
        missing.removeAll(harness.collector.stored.keySet());
        return missing;
    }

    private int dlqDepth() {
        return Integer.parseInt(harness.sqs.getQueueAttributes(get -> get.queueUrl(harness.resources.deadLetterQueueUrl())
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    private Set<String> recordIds() {
        Set<String> ids = new HashSet<>();
        harness.dynamo.scanPaginator(scan -> scan.tableName(harness.resources.recordsTable()).projectionExpression("id"))
                .items().forEach(item -> ids.add(item.get("id").s()));
        return Collections.unmodifiableSet(ids);
    }

    private static long sum(Map<String, Long> counts, String prefix) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(Map.Entry::getValue).sum();
    }

    private static String seconds(Duration duration) {
        return duration.toSeconds() + " s";
    }
}
