package dev.cryptopipe.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.local.emulator.Emulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./cryptopipe bench} once, small, as a user runs it: the command works and its report has
 * all five parts. No timing is asserted: CI machines are too noisy for that.
 */
@ExtendWith(EmulatorExtension.class)
class BenchIT {
    @Test
    void benchWritesAReportWithAllFiveParts(Emulator emulator, @TempDir Path out) throws Exception {
        try (LocalProcess bench = LocalProcess.start(emulator.endpoint(), Map.of(), "bench",
                "--records", "200", "--latency-samples", "100", "--cold-runs", "1",
                "--crypto-samples", "5", "--crypto-warmup-ms", "200", "--out", out.toString())) {
            assertTrue(bench.process().waitFor(15, TimeUnit.MINUTES), "the bench finished within 15 minutes");
            int status = bench.stop(); // the process has ended: this collects the rest of its output
            assertEquals(0, status, () -> "the bench failed:\n" + bench.output());
            assertFalse(bench.output().contains("cold start cold start"), "a plaintext appeared in the bench's output");
        }

        String markdown = Files.readString(out.resolve("report.md"));
        for (String part : List.of("## Targets", "## 1. Throughput", "## 2. AWS calls per 1,000 records", "## 3. Crypto cost",
                "## 4. Cold start", "## 5. Decrypt latency", "**Machine:**")) {
            assertTrue(markdown.contains(part), "report.md has " + part);
        }

        JsonNode report = Json.MAPPER.readTree(out.resolve("report.json").toFile());
        assertEquals(200, report.at("/throughput/pipeline/records").asInt());
        assertEquals(200, report.at("/throughput/firstDesign/records").asInt());
        assertTrue(report.at("/throughput/ratio").asDouble() > 0);
        assertTrue(report.at("/awsCallsPerThousandRecords/pipeline").has("DynamoDb PutItem"), "the pipeline's calls were counted");
        assertTrue(report.at("/awsCallsPerThousandRecords/firstDesign").has("Kms Encrypt"), "the first design's calls were counted");
        assertEquals(3, report.at("/crypto").size(), "seal and open at 64 B, 1 KiB and 64 KiB");
        JsonNode functions = report.at("/coldStart/functions");
        assertEquals(3, functions.size(), "a cold start of each function's jar");
        for (JsonNode function : functions) {
            assertTrue(function.path("jarBytes").asLong() > 0 && function.path("medianMs").asLong() > 0, function.toString());
        }
        assertEquals(100, report.at("/decryptLatency/samples").asInt());
        assertTrue(report.at("/decryptLatency/getItemP99Ms").asDouble() > 0);
        assertTrue(report.at("/targets").size() >= 10, "every target is judged");

        assertNotNull(ImageIO.read(out.resolve("report.png").toFile()), "report.png is a readable image");
    }
}
