package dev.cryptopipe.local.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cryptopipe.local.EmulatorExtension;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.faults.Harness.Answer;
import dev.cryptopipe.local.faults.Harness.Item;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The data-key caches, counted at the SDK: storing 5,000 records makes at most
 * ⌈5000 / DATA_KEY_MAX_RECORDS⌉ + 1 GenerateDataKey calls, and reading all of them back makes
 * at most one KMS Decrypt per distinct data key. No faults here: a failed call would rightly
 * cost another one. Own JVM (failsafe forks per class), because the handlers read
 * DATA_KEY_MAX_RECORDS once per JVM.
 */
@ExtendWith(EmulatorExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KmsCallsIT {
    private static final OutputWatch WATCH = OutputWatch.install();
    private static final int RECORDS = Integer.getInteger("cryptopipe.it.records", 5_000);
    private static final int MAX_RECORDS_PER_DATA_KEY = 1_000;

    private Harness harness;

    @BeforeAll
    void start(Emulator emulator, @TempDir Path state) throws IOException {
        System.setProperty("DATA_KEY_MAX_RECORDS", Integer.toString(MAX_RECORDS_PER_DATA_KEY));
        System.setProperty("DATA_KEY_MAX_AGE", "PT1H"); // the count, not the clock, decides here
        System.setProperty("CRYPTOPIPE_STATE_DIR", state.toString());
        System.setProperty("CRYPTOPIPE_WORKER_CONCURRENCY", "4");
        FaultInjector.disable();
        harness = new Harness(WATCH);
    }

    @AfterAll
    void stop() {
        if (harness != null) {
            harness.close();
        }
        assertEquals(0, WATCH.leaks(), "a plaintext appeared in the pipeline's output");
        assertEquals(0, harness == null ? 0 : harness.printedLeaks.get(), "a plaintext appeared in a printed event");
    }

    @Test
    void storingAndReadingBackCostsOneKmsCallPerDataKey() throws Exception {
        FaultInjector.resetCounts();
        Instant started = Instant.now();
        Map<String, String> expected = new ConcurrentHashMap<>();
        try (ExecutorService producers = Executors.newFixedThreadPool(4)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int start = 0; start < RECORDS; start += 100) {
                int from = start;
                futures.add(producers.submit(() -> {
                    List<Item> items = new ArrayList<>();
                    for (int i = from; i < Math.min(RECORDS, from + 100); i++) {
                        items.add(new Item(harness.plaintext(i), Optional.empty(), Optional.empty()));
                    }
                    List<Answer> answers = harness.submit(items);
                    for (int i = 0; i < answers.size(); i++) {
                        assertTrue(answers.get(i).accepted(), "without faults every item is accepted: " + answers.get(i));
                        expected.put(answers.get(i).uuid(), items.get(i).plaintext());
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        }
        assertEquals(RECORDS, expected.size());
        if (!Harness.poll(Duration.ofMinutes(10), Duration.ofMillis(500), () -> harness.collector.storedAll(expected.keySet()))) {
            throw new AssertionError("not all stored within the deadline: " + harness.diagnosis(expected.keySet()));
        }
        Duration stored = Duration.between(started, Instant.now());

        long generated = FaultInjector.count("calls Kms GenerateDataKey");
        int bound = (RECORDS + MAX_RECORDS_PER_DATA_KEY - 1) / MAX_RECORDS_PER_DATA_KEY + 1;
        assertTrue(generated <= bound, generated + " GenerateDataKey calls for " + RECORDS + " records; at most " + bound);
        Set<String> dataKeys = new HashSet<>();
        expected.keySet().forEach(uuid -> dataKeys.add(harness.collector.storedKeyIds.get(uuid)));
        assertTrue(dataKeys.size() >= RECORDS / MAX_RECORDS_PER_DATA_KEY,
                "a data key seals at most " + MAX_RECORDS_PER_DATA_KEY + " records, yet " + dataKeys.size() + " sealed " + RECORDS);
        assertEquals(0, FaultInjector.count("calls Kms Decrypt"), "storing never decrypts");

        List<String> wrong = harness.readBackMismatches(expected, 16, Duration.ofMinutes(5));
        assertEquals(List.of(), wrong, wrong.size() + " records missing or wrong");
        long decrypts = FaultInjector.count("calls Kms Decrypt");
        assertTrue(decrypts <= dataKeys.size(), decrypts + " KMS Decrypt calls to read records sealed under "
                + dataKeys.size() + " data keys");
        assertTrue(decrypts >= 1);

        WATCH.original().println("KmsCallsIT: " + RECORDS + " records, DATA_KEY_MAX_RECORDS " + MAX_RECORDS_PER_DATA_KEY
                + ": GenerateDataKey " + generated + " (bound " + bound + "), distinct data keys " + dataKeys.size()
                + ", KMS Decrypt to read all back " + decrypts + "; stored in " + stored.toSeconds() + " s, read back in "
                + Duration.between(started, Instant.now()).minus(stored).toSeconds() + " s\nKmsCallsIT counts: " + FaultInjector.counts());
    }
}
