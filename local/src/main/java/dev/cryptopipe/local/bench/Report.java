package dev.cryptopipe.local.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.local.emulator.Emulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** The bench's findings as report.md, report.json and report.png. */
final class Report {
    static final double THROUGHPUT_RATIO_TARGET = 5.0;
    static final double KMS_PER_THOUSAND_TARGET = 1.0;
    static final double SEAL_RATIO_TARGET = 3.0;
    static final long COLD_START_TARGET_MS = 1000;
    static final long JAR_TARGET_BYTES = 10_000_000;
    static final double DECRYPT_P99_RATIO_TARGET = 1.5;

    /** One line of the targets table. */
    record Target(String name, String measured, String goal, boolean met) {
    }

    private final Instant started;
    private final Bench.Options options;
    private final String emulator;
    private final Machine machine;
    final ThroughputBench.Run first;
    final ThroughputBench.Run pipeline;
    final List<CryptoBench.Row> crypto;
    final List<ColdStartBench.Function> cold;
    final DecryptLatencyBench.Result latency;

    Report(Instant started, Machine machine, Bench.Options options, Emulator emulator, ThroughputBench.Run first,
           ThroughputBench.Run pipeline, List<CryptoBench.Row> crypto, List<ColdStartBench.Function> cold,
           DecryptLatencyBench.Result latency) {
        this.started = started;
        this.machine = machine.ended();
        this.options = options;
        this.emulator = emulator.startedHere() ? "moto, started by the bench" : "emulator at " + emulator.endpoint();
        this.first = first;
        this.pipeline = pipeline;
        this.crypto = crypto;
        this.cold = cold;
        this.latency = latency;
    }

    double throughputRatio() {
        return pipeline.recordsPerSecond() / first.recordsPerSecond();
    }

    CryptoBench.Row cryptoRow(int bytes) {
        return crypto.stream().filter(row -> row.bytes() == bytes).findFirst().orElseThrow();
    }

    List<Target> targets() {
        List<Target> targets = new ArrayList<>();
        targets.add(new Target("throughput vs first design", format("%.1f×", throughputRatio()),
                format("≥ %.0f×", THROUGHPUT_RATIO_TARGET), throughputRatio() >= THROUGHPUT_RATIO_TARGET));
        double kms = pipeline.callsPerThousand("Kms");
        targets.add(new Target("KMS calls per 1,000 stored records", format("%.2f", kms),
                format("≤ %.0f", KMS_PER_THOUSAND_TARGET), kms <= KMS_PER_THOUSAND_TARGET));
        CryptoBench.Row kib = cryptoRow(1024);
        targets.add(new Target("seal at 1 KiB vs bare AES-256-GCM", format("%.2f×", kib.sealRatio()),
                format("≤ %.0f×", SEAL_RATIO_TARGET), kib.sealRatio() <= SEAL_RATIO_TARGET));
        for (ColdStartBench.Function function : cold) {
            targets.add(new Target("cold start, " + function.name(), format("%d ms", function.medianWallMs()),
                    format("≤ %d ms", COLD_START_TARGET_MS), function.medianWallMs() <= COLD_START_TARGET_MS));
        }
        for (ColdStartBench.Function function : cold) {
            targets.add(new Target("jar size, " + function.name(), megabytes(function.jarBytes()),
                    "≤ " + megabytes(JAR_TARGET_BYTES), function.jarBytes() <= JAR_TARGET_BYTES));
        }
        targets.add(new Target("decrypt p99 vs bare GetItem p99", format("%.2f×", latency.p99Ratio()),
                format("≤ %.1f×", DECRYPT_P99_RATIO_TARGET), latency.p99Ratio() <= DECRYPT_P99_RATIO_TARGET));
        return targets;
    }

    void write(Path dir) throws IOException {
        Files.writeString(dir.resolve("report.md"), markdown());
        Files.writeString(dir.resolve("report.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json()));
        Chart.draw(this, dir.resolve("report.png"));
    }

    String summary() {
        StringBuilder text = new StringBuilder("bench: targets\n");
        for (Target target : targets()) {
            text.append(format("  %-40s %-12s %-10s %s%n", target.name(), target.measured(), target.goal(), target.met() ? "met" : "MISSED"));
        }
        return text.toString().stripTrailing();
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# cryptopipe bench\n\n");
        md.append("Run ").append(started.truncatedTo(ChronoUnit.SECONDS)).append(" by `./cryptopipe bench");
        md.append(options.records() == 5000 ? "" : " --records " + options.records()).append("`, against ").append(emulator).append(".\n\n");
        md.append("**Machine:** ").append(machine.oneLine()).append("\n\n");

        md.append("## Targets\n\n| target | measured | goal | |\n|---|---:|---:|---|\n");
        for (Target target : targets()) {
            md.append("| ").append(target.name()).append(" | ").append(target.measured()).append(" | ").append(target.goal())
                    .append(" | ").append(target.met() ? "met" : "**missed**").append(" |\n");
        }

        md.append("\n## 1. Throughput\n\n");
        md.append(format("%,d records of %d bytes each, %d HTTP requests in flight for both designs, after a warm-up of %,d records per design. ",
                options.records(), ThroughputBench.PLAINTEXT_BYTES, options.concurrency(), options.warmUpRecords()));
        md.append(format("Pipeline: `POST /encrypt/batch` of %d items through the local gateway → SQS → local poller → worker, "
                + "timed from the first request until the subscriber has seen every record's `RecordStored`; the producer keeps at most "
                + options.window() + " records accepted but not yet stored (the emulator's SQS does work proportional to the queue's depth "
                + "for every message sent or received, so an unbounded backlog would measure that instead of the pipeline). "
                + "First design: one `POST /encrypt` per record through the same gateway to a handler that answers after KMS `Encrypt` and `PutItem`.\n\n",
                options.batchSize()));
        md.append("| design | records | HTTP requests | all accepted (s) | all stored (s) | records/s |\n|---|---:|---:|---:|---:|---:|\n");
        for (ThroughputBench.Run run : List.of(first, pipeline)) {
            md.append(format("| %s | %,d | %,d | %.2f | %.2f | %,.0f |%n", run.design(), run.records(), run.requests(),
                    run.acceptedSeconds(), run.seconds(), run.recordsPerSecond()));
        }
        md.append(format("%n**Ratio: %.2f×** the first design's records per second.%n", throughputRatio()));

        md.append("\n## 2. AWS calls per 1,000 records\n\n");
        md.append("Counted by an SDK `ExecutionInterceptor` on every client in the JVM during each measured run. The pipeline's count "
                + "includes the SQS calls of the local poller (Lambda's event source mapping makes them on AWS); it leaves out "
                + "the bench's own subscriber reading the `RecordStored` queue. Wire time is the total time those calls spent "
                + "between sending and the answer, summed over concurrent calls: where the emulator's time goes.\n\n");
        md.append("| service operation | pipeline | first design | pipeline wire time (s) | first design wire time (s) |\n|---|---:|---:|---:|---:|\n");
        TreeSet<String> operations = new TreeSet<>(pipeline.calls().keySet());
        operations.addAll(first.calls().keySet());
        for (String operation : operations) {
            md.append(format("| %s | %s | %s | %s | %s |%n", operation,
                    perThousand(pipeline, operation), perThousand(first, operation),
                    wireSeconds(pipeline, operation), wireSeconds(first, operation)));
        }
        md.append(format("| **all** | **%.1f** | **%.1f** | | |%n", total(pipeline), total(first)));
        md.append(format("%nThe worker asks KMS for a data key once per %s records or %s (`DATA_KEY_MAX_RECORDS`, `DATA_KEY_MAX_AGE`); "
                + "a key made during the warm-up may still serve the whole measured run, so the lasting rate is at most "
                + "1,000 ÷ %s + one per %s of running.%n",
                setting("DATA_KEY_MAX_RECORDS", "10000"), setting("DATA_KEY_MAX_AGE", "PT5M"),
                setting("DATA_KEY_MAX_RECORDS", "10000"), setting("DATA_KEY_MAX_AGE", "PT5M")));
        if (pipeline.retries() > 0 || first.retries() > 0) {
            md.append(format("%nSDK retries: pipeline %d, first design %d.%n", pipeline.retries(), first.retries()));
        }

        md.append("\n## 3. Crypto cost\n\n");
        md.append(format("One thread, in-memory data keys (no KMS), %d rounds of about 20 ms per operation after %d ms of warm-up, "
                + "each round of seal or open followed by one of its bare counterpart; medians, the ratio being the median of the rounds' ratios. "
                + "Bare AES-256-GCM is the JDK's `AES/GCM/NoPadding`: a cipher, init with one key and a fresh random 96-bit nonce, "
                + "the same associated data, `doFinal` — what sealing a record costs at the least. Seal adds the data-key cache, "
                + "HKDF-SHA256 of the record key and the key commitment.%n%n", options.cryptoSamples(), options.cryptoWarmUp().toMillis()));
        md.append("| plaintext | seal (µs) | bare encrypt (µs) | seal ratio | open (µs) | bare decrypt (µs) | open ratio |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (CryptoBench.Row row : crypto) {
            md.append(format("| %s | %.2f | %.2f | %.2f× | %.2f | %.2f | %.2f× |%n", size(row.bytes()),
                    row.sealNs() / 1000, row.bareEncryptNs() / 1000, row.sealRatio(),
                    row.openNs() / 1000, row.bareDecryptNs() / 1000, row.openRatio()));
        }

        md.append("\n## 4. Cold start\n\n");
        md.append(format("A fresh JVM per run (`java %s -cp <function's shaded jar>:<launcher>`) loads the handler class, initialises it "
                + "(configuration, SDK clients) and handles one event against the emulator: intake `POST /encrypt` (1 KiB), worker an SQS "
                + "batch of one message (its first data key from KMS included), decrypt `GET /records/{uuid}` (a KMS `Decrypt` of the data key "
                + "included). Wall time from starting the process to the answer; median of %d. The launcher is one class outside the jar.%n%n",
                String.join(" ", ColdStartBench.JVM_FLAGS), options.coldRuns()));
        md.append("| function | jar (MB) | cold start, median (ms) | min–max (ms) | JVM start (ms) | handler init (ms) | first event (ms) |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (ColdStartBench.Function function : cold) {
            md.append(format("| %s | %.2f | %d | %d–%d | %d | %d | %d |%n", function.name(), function.jarBytes() / 1e6,
                    function.medianWallMs(),
                    function.wallMs().stream().mapToLong(Long::longValue).min().orElse(-1),
                    function.wallMs().stream().mapToLong(Long::longValue).max().orElse(-1),
                    ColdStartBench.Function.median(function.jvmStartMs()),
                    ColdStartBench.Function.median(function.initMs()),
                    ColdStartBench.Function.median(function.invokeMs())));
        }

        md.append("\n## 5. Decrypt latency\n\n");
        md.append(format("%,d requests one at a time, caches warm, each followed by a bare `GetItem` of the same record with the same "
                + "SDK client settings on the same emulator.%n%n", latency.samples()));
        md.append("| | p50 (ms) | p99 (ms) |\n|---|---:|---:|\n");
        md.append(format("| `GET /records/{uuid}` through the gateway | %.2f | %.2f |%n", latency.decryptP50(), latency.decryptP99()));
        md.append(format("| bare DynamoDB `GetItem` | %.2f | %.2f |%n", latency.getItemP50(), latency.getItemP99()));
        md.append(format("%n**p99 ratio: %.2f×** (p50 ratio %.2f×).%n", latency.p99Ratio(), latency.decryptP50() / latency.getItemP50()));
        return md.toString();
    }

    ObjectNode json() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("startedAt", started.toString());
        root.put("emulator", emulator);
        root.set("machine", machine.json());
        ObjectNode settings = root.putObject("settings");
        settings.put("records", options.records()).put("plaintextBytes", ThroughputBench.PLAINTEXT_BYTES)
                .put("concurrency", options.concurrency()).put("batchSize", options.batchSize()).put("window", options.window())
                .put("warmUpRecords", options.warmUpRecords()).put("latencySamples", options.latencySamples())
                .put("coldRuns", options.coldRuns()).put("cryptoSamples", options.cryptoSamples())
                .put("cryptoWarmUpMs", options.cryptoWarmUp().toMillis());
        ArrayNode targets = root.putArray("targets");
        for (Target target : targets()) {
            targets.addObject().put("name", target.name()).put("measured", target.measured()).put("goal", target.goal()).put("met", target.met());
        }
        ObjectNode throughput = root.putObject("throughput");
        throughput.set("firstDesign", run(first));
        throughput.set("pipeline", run(pipeline));
        throughput.put("ratio", throughputRatio());
        ObjectNode calls = root.putObject("awsCallsPerThousandRecords");
        calls.set("firstDesign", Json.MAPPER.valueToTree(first.callsPerThousand()));
        calls.set("pipeline", Json.MAPPER.valueToTree(pipeline.callsPerThousand()));
        calls.put("pipelineKmsPerThousand", pipeline.callsPerThousand("Kms"));
        ArrayNode cryptoRows = root.putArray("crypto");
        for (CryptoBench.Row row : crypto) {
            cryptoRows.addObject().put("plaintextBytes", row.bytes())
                    .put("sealNs", row.sealNs()).put("bareEncryptNs", row.bareEncryptNs()).put("sealRatio", row.sealRatio())
                    .put("openNs", row.openNs()).put("bareDecryptNs", row.bareDecryptNs()).put("openRatio", row.openRatio());
        }
        ObjectNode coldStart = root.putObject("coldStart");
        coldStart.set("jvmFlags", Json.MAPPER.valueToTree(ColdStartBench.JVM_FLAGS));
        ArrayNode functions = coldStart.putArray("functions");
        for (ColdStartBench.Function function : cold) {
            functions.addObject().put("function", function.name()).put("jar", function.jar().getFileName().toString())
                    .put("jarBytes", function.jarBytes()).put("medianMs", function.medianWallMs())
                    .<ObjectNode>set("wallMs", Json.MAPPER.valueToTree(function.wallMs()))
                    .<ObjectNode>set("jvmStartMs", Json.MAPPER.valueToTree(function.jvmStartMs()))
                    .<ObjectNode>set("initMs", Json.MAPPER.valueToTree(function.initMs()))
                    .set("invokeMs", Json.MAPPER.valueToTree(function.invokeMs()));
        }
        root.putObject("decryptLatency").put("samples", latency.samples())
                .put("decryptP50Ms", latency.decryptP50()).put("decryptP99Ms", latency.decryptP99())
                .put("getItemP50Ms", latency.getItemP50()).put("getItemP99Ms", latency.getItemP99())
                .put("p99Ratio", latency.p99Ratio());
        return root;
    }

    private static ObjectNode run(ThroughputBench.Run run) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("records", run.records()).put("httpRequests", run.requests()).put("concurrency", run.concurrency())
                .put("acceptedSeconds", run.acceptedSeconds()).put("seconds", run.seconds())
                .put("recordsPerSecond", run.recordsPerSecond()).put("sdkRetries", run.retries());
        node.set("calls", Json.MAPPER.valueToTree(run.calls()));
        ObjectNode wire = node.putObject("wireSeconds");
        run.wireNanos().forEach((operation, nanos) -> wire.put(operation, nanos / 1e9));
        return node;
    }

    private static String perThousand(ThroughputBench.Run run, String operation) {
        Long count = run.calls().get(operation);
        return count == null ? "–" : format("%.1f", count * 1000.0 / run.records());
    }

    private static String wireSeconds(ThroughputBench.Run run, String operation) {
        Long nanos = run.wireNanos().get(operation);
        return nanos == null ? "–" : format("%.2f", nanos / 1e9);
    }

    private static double total(ThroughputBench.Run run) {
        return run.callsPerThousand().values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** A function setting as the local pipeline gave it (environment first, as the functions read it). */
    private static String setting(String name, String fallback) {
        String value = System.getenv(name);
        return value != null ? value : System.getProperty(name, fallback);
    }

    static String size(int bytes) {
        return bytes >= 1024 ? (bytes / 1024) + " KiB" : bytes + " B";
    }

    static String megabytes(long bytes) {
        return format("%.2f MB", bytes / 1e6);
    }

    static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    Map<String, String> machineFacts() {
        return machine.facts();
    }
}
