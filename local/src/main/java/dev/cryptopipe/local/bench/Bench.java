package dev.cryptopipe.local.bench;

import dev.cryptopipe.local.LocalPipeline;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.gateway.Gateway;
import dev.cryptopipe.local.gateway.Route;
import dev.cryptopipe.local.provision.Resources;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * {@code ./cryptopipe bench}: the pipeline against the first synchronous design and against
 * the limits, in one run, on the emulator it starts (or {@code AWS_ENDPOINT_URL}). Writes
 * {@code report.md}, {@code report.json} and {@code report.png} to {@code target/bench}.
 */
public final class Bench {
    static final String BASELINE_TABLE = "cryptopipe-bench-baseline";
    static final String BASELINE_KEY_ALIAS = "alias/cryptopipe-bench-baseline";

    /** What to run; the defaults are the issue's. */
    record Options(int records, int concurrency, int batchSize, int window, int latencySamples, int coldRuns,
                   int cryptoSamples, Duration cryptoWarmUp, Path out) {
        static final String USAGE = """
                usage: ./cryptopipe bench [--records N] [--concurrency C] [--batch-size B] [--window W]
                                          [--latency-samples M] [--cold-runs K] [--crypto-samples S]
                                          [--crypto-warmup-ms T] [--out DIR]
                  defaults: 5000 records of 1 KiB, 4 requests in flight for both designs, 100 items per batch,
                            at most 200 records accepted but not yet stored (the pipeline's producer window),
                            2000 decrypt samples, 5 cold starts per function, 31 crypto rounds after 1000 ms
                            of warm-up, report in target/bench""";

        /** The options, or null when help was asked for. */
        static Options parse(String[] args, Path home) {
            int records = 5000;
            int concurrency = 4;
            int batchSize = 100;
            int window = 200;
            int latencySamples = 2000;
            int coldRuns = 5;
            int cryptoSamples = 31;
            long cryptoWarmUpMs = 1000;
            Path out = home.resolve("target").resolve("bench");
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (name.equals("--help") || name.equals("-h")) {
                    return null;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value\n" + USAGE);
                }
                String value = args[++i];
                switch (name) {
                    case "--records" -> records = positive(name, value);
                    case "--concurrency" -> concurrency = positive(name, value);
                    case "--batch-size" -> batchSize = Math.min(100, positive(name, value));
                    case "--window" -> window = positive(name, value);
                    case "--latency-samples" -> latencySamples = positive(name, value);
                    case "--cold-runs" -> coldRuns = positive(name, value);
                    case "--crypto-samples" -> cryptoSamples = positive(name, value);
                    case "--crypto-warmup-ms" -> cryptoWarmUpMs = positive(name, value);
                    case "--out" -> out = Path.of(value).toAbsolutePath();
                    default -> throw new IllegalArgumentException("unknown option " + name + "\n" + USAGE);
                }
            }
            return new Options(records, concurrency, batchSize, Math.max(window, batchSize), latencySamples, coldRuns, cryptoSamples,
                    Duration.ofMillis(cryptoWarmUpMs), out);
        }

        private static int positive(String name, String value) {
            try {
                int number = Integer.parseInt(value);
                if (number > 0) {
                    return number;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(name + " takes a positive whole number, not " + value);
        }

        /** Records each design sends before measuring, so both are measured with a warm JIT. */
        int warmUpRecords() {
            return Math.max(100, Math.min(1000, records / 5));
        }
    }

    private Bench() {
    }

    /** Runs the whole bench and writes the report; returns the process exit status. */
    public static int run(String[] args, PrintStream out) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path home = home();
        Options options;
        try {
            options = Options.parse(args, home);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        if (options == null) {
            out.println(Options.USAGE);
            return 0;
        }
        Files.createDirectories(options.out());
        Instant started = Instant.now();
        Machine machine = Machine.describe();
        Random random = new Random(20261128);

        out.println("bench: 3/5 crypto cost (in memory, no KMS)");
        List<CryptoBench.Row> crypto = CryptoBench.run(options.cryptoWarmUp(), options.cryptoSamples());

        out.println("bench: starting the emulator and the local pipeline");
        Emulator emulator = Emulator.startOrAttach();
        emulator.applyToSdkSystemProperties();
        StoredEvents events = new StoredEvents();
        try (emulator;
             LocalPipeline pipeline = LocalPipeline.start(0, new PrintStream(events, true, StandardCharsets.UTF_8))) {
            Resources resources = pipeline.resources();
            LocalPipeline.AwsClients clients = LocalPipeline.AwsClients.create();
            BaselineHandler baseline = new BaselineHandler(clients.kms(), clients.dynamo(), baselineKey(clients), baselineTable(clients));
            URI pipelineUri = URI.create("http://127.0.0.1:" + pipeline.port());
            try (Gateway baselineGateway = Gateway.start(0, List.of(new Route("POST", "/encrypt", "baseline", baseline)))) {
                URI baselineUri = URI.create("http://127.0.0.1:" + baselineGateway.port());
                // The pipeline idles (long polls) while the first design runs: its queues are not the first design's calls.
                Set<String> pipelineQueues = Set.of(resources.requestQueueUrl(), resources.subscriberQueueUrl(),
                        resources.deadLetterQueueUrl());
                // The subscriber that sees the RecordStored events is the bench's observer, not the pipeline.
                Set<String> observerQueues = Set.of(resources.subscriberQueueUrl());

                out.println("bench: 1-2/5 throughput and AWS calls: warm-up, " + options.warmUpRecords() + " records per design");
                ThroughputBench.baseline(baselineUri, pipelineQueues, options.warmUpRecords(), options.concurrency(), random);
                ThroughputBench.pipeline(pipelineUri, events, observerQueues, options.warmUpRecords(), options.batchSize(),
                        options.concurrency(), options.window(), random);
                out.println("bench: 1-2/5 first design, " + options.records() + " records");
                ThroughputBench.Run first = ThroughputBench.baseline(baselineUri, pipelineQueues, options.records(),
                        options.concurrency(), random);
                out.println("bench: 1-2/5 pipeline, " + options.records() + " records");
                ThroughputBench.Run piped = ThroughputBench.pipeline(pipelineUri, events, observerQueues, options.records(),
                        options.batchSize(), options.concurrency(), options.window(), random);

                out.println("bench: 5/5 decrypt latency, " + options.latencySamples() + " samples");
                DecryptLatencyBench.Result latency = DecryptLatencyBench.run(pipelineUri, clients.dynamo(),
                        resources.recordsTable(), piped.uuids(), options.latencySamples(),
                        Math.max(50, Math.min(500, options.latencySamples() / 4)));

                out.println("bench: 4/5 cold starts, " + options.coldRuns() + " per function");
                List<ColdStartBench.Function> cold = ColdStartBench.run(home, options.out(), emulator.endpoint(),
                        piped.uuids().get(0), options.coldRuns());

                Report report = new Report(started, machine, options, emulator, first, piped, crypto, cold, latency);
                report.write(options.out());
                out.println(report.summary());
                out.println("bench: report in " + options.out().resolve("report.md"));
            }
        }
        return 0;
    }

    /** The repository root: CRYPTOPIPE_HOME (set by ./cryptopipe), else the working directory. */
    static Path home() {
        String home = System.getenv("CRYPTOPIPE_HOME");
        return (home != null ? Path.of(home) : Path.of("")).toAbsolutePath();
    }

    /** The first design's own KMS key, made once per emulator. */
    private static String baselineKey(LocalPipeline.AwsClients clients) {
        try {
            return clients.kms().describeKey(describe -> describe.keyId(BASELINE_KEY_ALIAS)).keyMetadata().arn();
        } catch (software.amazon.awssdk.services.kms.model.NotFoundException e) {
            String arn = clients.kms().createKey(create -> create.description("cryptopipe bench: first design's key"))
                    .keyMetadata().arn();
            clients.kms().createAlias(alias -> alias.aliasName(BASELINE_KEY_ALIAS).targetKeyId(arn));
            return arn;
        }
    }

    /** The first design's table: one item per record, the KMS ciphertext in it. */
    private static String baselineTable(LocalPipeline.AwsClients clients) {
        try {
            clients.dynamo().createTable(create -> create.tableName(BASELINE_TABLE)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("id").attributeType(ScalarAttributeType.S).build())
                    .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build()));
        } catch (ResourceInUseException exists) {
            // made by an earlier bench on this emulator
        }
        clients.dynamo().waiter().waitUntilTableExists(describe -> describe.tableName(BASELINE_TABLE));
        return BASELINE_TABLE;
    }
}
