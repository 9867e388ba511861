package dev.cryptopipe.local.rotate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.aws.DataKeyStore;
import dev.cryptopipe.aws.KmsKeySource;
import dev.cryptopipe.aws.RecordStore;
import dev.cryptopipe.config.Settings;
import dev.cryptopipe.config.WorkerConfig;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.core.StoredRecord;
import dev.cryptopipe.crypto.EnvelopeAead;
import dev.cryptopipe.local.LocalPipeline;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.provision.Resources;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * {@code ./cryptopipe bench-rekey [--records N]}: what a rekey costs, measured. Starts its own
 * moto and the pipeline in this JVM, seals and stores N records with the worker's own crypto
 * (EnvelopeAead over KmsKeySource, with the worker's settings, so data keys are made and
 * reused exactly as the worker does), rotates the key, runs the rekey state machine, and counts
 * the KMS and DynamoDB requests moto received during the run with moto's request recorder.
 * Records skip the queue: a rekey only sees the data keys, and on a shared machine moto moves
 * 10,000 records through SQS and EventBridge too slowly. Every record is stored before the run
 * starts, so no other KMS or DynamoDB call (and no plaintext) reaches moto meanwhile: those are
 * the state machine's calls. Prints a Markdown table.
 */
public final class RekeyBench {
    private static final int DEFAULT_RECORDS = 10_000;
    private static final int SEALERS = 8;

    private RekeyBench() {
    }

    public static int run(String[] options, PrintStream out) throws Exception {
        int records = DEFAULT_RECORDS;
        if (options.length == 2 && options[0].equals("--records") && options[1].matches("[1-9]\\d{0,6}")) {
            records = Integer.parseInt(options[1]);
        } else if (options.length > 0) {
            System.err.println("bench-rekey takes one option, --records N (default " + DEFAULT_RECORDS + ")");
            return 2;
        }
        if (Emulator.configuredEndpoint().isPresent()) {
            System.err.println("bench-rekey starts its own emulator, so that the calls it counts are the rekey's"
                    + " alone: unset AWS_ENDPOINT_URL.");
            return 2;
        }
        try (LocalPipeline pipeline = LocalPipeline.start(0, new PrintStream(OutputStream.nullOutputStream()))) {
            LocalPipeline.AwsClients clients = LocalPipeline.AwsClients.create();
            Resources resources = pipeline.resources();
            WorkerConfig config = WorkerConfig.from(Settings.fromEnvironment()); // as the pipeline set it up
            Instant started = Instant.now();
            store(clients, config, records);
            Duration storing = Duration.between(started, Instant.now());
            long stored = count(clients.dynamo(), resources.recordsTable());
            long dataKeys = count(clients.dynamo(), resources.dataKeysTable());

            new KeyRotation(clients.kms()).rotate(resources.keyAlias(), LocalPipeline.STACK_NAME);
            Recorder recorder = new Recorder(pipeline.emulator().endpoint());
            recorder.start();
            Rekey.Outcome outcome;
            Map<String, Integer> calls;
            try {
                outcome = new Rekey(clients.sfn()).run(resources.stateMachineArn(), OptionalInt.empty(),
                        RotationCommands.REKEY_DEADLINE);
            } finally {
                calls = recorder.stopAndCount();
            }

            out.println("| measured by `./cryptopipe bench-rekey --records " + records + "` | |");
            out.println("|---|---|");
            out.println("| records sealed and stored (1 KiB each) | " + stored + " in " + seconds(storing) + " |");
            out.println("| data keys (`DATA_KEY_MAX_RECORDS=" + config.dataKeyMaxRecords() + "`, `DATA_KEY_MAX_AGE="
                    + config.dataKeyMaxAge() + "`) | " + dataKeys + " |");
            out.println("| rekey execution | " + outcome.status() + " in " + seconds(outcome.took())
                    + (outcome.counts() != null ? ": " + outcome.counts() : "") + " |");
            out.println("| KMS calls during the rekey | " + calls(calls, "KMS ") + " |");
            out.println("| DynamoDB calls during the rekey | " + calls(calls, "DynamoDB ") + " |");
            return outcome.clean() ? 0 : 1;
        }
    }

    /** N records of 1 KiB, {@link #SEALERS} at a time, sealed as one worker seals a batch. */
    private static void store(LocalPipeline.AwsClients clients, WorkerConfig config, int records) throws Exception {
        Clock clock = Clock.systemUTC();
        KmsKeySource keys = new KmsKeySource(clients.kms(), new DataKeyStore(clients.dynamo(), config.dataKeysTable()),
                config.keyId(), clock);
        EnvelopeAead aead = EnvelopeAead.builder(keys)
                .maxRecordsPerDataKey(config.dataKeyMaxRecords())
                .maxDataKeyAge(config.dataKeyMaxAge())
                .build();
        RecordStore store = new RecordStore(clients.dynamo(), config.recordsTable());
        byte[] plaintext = new byte[1024];
        AtomicInteger left = new AtomicInteger(records);
        try (ExecutorService sealers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Void>> done = new ArrayList<>();
            for (int i = 0; i < SEALERS; i++) {
                done.add(sealers.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        RecordId id = RecordId.random();
                        store.putIfAbsent(new StoredRecord(id, aead.seal(plaintext, id), Optional.empty(), clock.instant()));
                    }
                    return null;
                }));
            }
            for (Future<Void> sealer : done) {
                sealer.get();
            }
        }
    }

    private static long count(DynamoDbClient dynamo, String table) {
        return dynamo.scanPaginator(scan -> scan.tableName(table).select(Select.COUNT).consistentRead(true))
                .stream().mapToLong(ScanResponse::count).sum();
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    private static String calls(Map<String, Integer> calls, String service) {
        String listed = calls.entrySet().stream()
                .filter(call -> call.getKey().startsWith(service))
                .map(call -> call.getKey().substring(service.length()) + " " + call.getValue())
                .collect(Collectors.joining(", "));
        return listed.isEmpty() ? "none" : listed;
    }

    /**
     * moto's request recorder (/moto-api/recorder/): appends every request the server receives,
     * the state machine's own SDK calls included, to a file in moto's working directory, which
     * is ours since this JVM started moto. The file is emptied first and deleted afterwards.
     */
    private record Recorder(URI emulator) {
        private static final HttpClient HTTP = HttpClient.newHttpClient();
        private static final Map<String, String> SERVICES = Map.of("TrentService.", "KMS ", "DynamoDB_20120810.", "DynamoDB ");

        void start() throws IOException, InterruptedException {
            call("POST", "reset-recording"); // the file may hold an earlier recording
            call("POST", "start-recording");
        }

        /** Stops recording and counts the recorded KMS and DynamoDB requests by operation, e.g. "KMS ReEncrypt". */
        Map<String, Integer> stopAndCount() throws IOException, InterruptedException {
            call("POST", "stop-recording");
            Map<String, Integer> counts = new TreeMap<>();
            for (String line : call("GET", "download-recording").split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode headers = Json.MAPPER.readTree(line).path("headers");
                headers.fieldNames().forEachRemaining(header -> {
                    if (header.equalsIgnoreCase("X-Amz-Target")) {
                        String target = headers.get(header).asText();
                        SERVICES.forEach((prefix, service) -> {
                            if (target.startsWith(prefix)) {
                                counts.merge(service + target.substring(prefix.length()), 1, Integer::sum);
                            }
                        });
                    }
                });
            }
            Files.deleteIfExists(Path.of(System.getenv().getOrDefault("MOTO_RECORDER_FILEPATH", "moto_recording")));
            return counts;
        }

        private String call(String method, String action) throws IOException, InterruptedException {
            HttpRequest request = HttpRequest.newBuilder(emulator.resolve("/moto-api/recorder/" + action))
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .build();
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(method + " " + request.uri() + " answered " + response.statusCode());
            }
            return response.body();
        }
    }
}
