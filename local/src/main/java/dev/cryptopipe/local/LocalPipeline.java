package dev.cryptopipe.local;

import dev.cryptopipe.aws.SdkClients;
import dev.cryptopipe.config.Settings;
import dev.cryptopipe.config.WorkerConfig;
import dev.cryptopipe.decrypt.DecryptHandler;
import dev.cryptopipe.intake.IntakeHandler;
import dev.cryptopipe.local.dlq.FailureJournal;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.gateway.Gateway;
import dev.cryptopipe.local.gateway.Route;
import dev.cryptopipe.local.poller.QueuePoller;
import dev.cryptopipe.local.provision.Provisioner;
import dev.cryptopipe.local.provision.Resources;
import dev.cryptopipe.local.provision.Template;
import dev.cryptopipe.local.subscriber.EventPrinter;
import dev.cryptopipe.observe.Log;
import dev.cryptopipe.service.RecordWorker;
import dev.cryptopipe.worker.WorkerHandler;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The whole pipeline on one machine: the emulator, the stack's resources from template.yaml,
 * the three handler classes behind a local API gateway and SQS poller, and a subscriber
 * that prints RecordStored events.
 */
public final class LocalPipeline implements AutoCloseable {
    public static final String STACK_NAME = "cryptopipe";
    static final String INTAKE_FUNCTION = "IntakeFunction";
    static final String WORKER_FUNCTION = "WorkerFunction";
    static final String DECRYPT_FUNCTION = "DecryptFunction";
    static final String VISIBILITY_TIMEOUT_VARIABLE = "CRYPTOPIPE_VISIBILITY_TIMEOUT";
    static final String WORKER_CONCURRENCY_VARIABLE = "CRYPTOPIPE_WORKER_CONCURRENCY";

    private final Emulator emulator;
    private final Resources resources;
    private final Gateway gateway;
    private final QueuePoller poller;
    private final EventPrinter printer;

    private LocalPipeline(Emulator emulator, Resources resources, Gateway gateway, QueuePoller poller, EventPrinter printer) {
        this.emulator = emulator;
        this.resources = resources;
        this.gateway = gateway;
        this.poller = poller;
        this.printer = printer;
    }

    /** Starts (or attaches to) the emulator, provisions, and serves on {@code port} (0 for any). */
    public static LocalPipeline start(int port, PrintStream events) throws IOException {
        Emulator emulator = Emulator.startOrAttach();
        try {
            emulator.applyToSdkSystemProperties();
            if (emulator.isMoto()) {
                // Before provisioning: moto runs only state machines created after this switch.
                emulator.enableStepFunctionsExecution();
            }
            Template template = template();
            AwsClients clients = AwsClients.create();
            Resources resources = clients.provisioner(template).provision();
            configureFunctions(template, resources);

            IntakeHandler intake = new IntakeHandler();
            DecryptHandler decrypt = new DecryptHandler();
            // The worker notes each failed message's first error for ./cryptopipe dlq.
            WorkerHandler worker = new WorkerHandler(RecordWorker.fromConfig(WorkerConfig.from(Settings.fromEnvironment()),
                    new FailureJournal(LocalState.failureJournal(emulator.endpoint()))));
            Gateway gateway = Gateway.start(port, List.of(
                    new Route("POST", "/encrypt", "intake", intake),
                    new Route("POST", "/encrypt/batch", "intake", intake),
                    new Route("POST", "/decrypt", "decrypt", decrypt),
                    new Route("GET", "/records/{uuid}", "decrypt", decrypt)));
            QueuePoller poller = new QueuePoller(clients.sqs(), resources.requestQueueUrl(), resources.requestQueueArn(),
                    worker, pollerSettings(template)).start();
            EventPrinter printer = new EventPrinter(clients.sqs(), resources.subscriberQueueUrl(), events).start();
            return new LocalPipeline(emulator, resources, gateway, poller, printer);
        } catch (RuntimeException | IOException e) {
            emulator.close();
            throw e;
        }
    }

    /** template.yaml at the repository root: CRYPTOPIPE_HOME, or the nearest folder above the working directory. */
    public static Template template() {
        String home = System.getenv("CRYPTOPIPE_HOME");
        Path directory = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        for (Path candidate = directory; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve("template.yaml"))) {
                return Template.read(candidate.resolve("template.yaml"), STACK_NAME);
            }
        }
        throw new IllegalStateException("template.yaml not found in " + directory + " or above; set CRYPTOPIPE_HOME");
    }

    /**
     * Gives each function the environment template.yaml gives it on AWS. The functions share
     * this JVM, so the variables become system properties, which {@code Settings} reads when
     * the environment lacks them; a variable set in the real environment wins.
     */
    static void configureFunctions(Template template, Resources resources) {
        Map<String, String> refs = new HashMap<>();
        refs.put(Provisioner.REQUEST_QUEUE, resources.requestQueueUrl());
        refs.put(Provisioner.RECORDS_TABLE, resources.recordsTable());
        refs.put(Provisioner.DATAKEYS_TABLE, resources.dataKeysTable());
        refs.put(Provisioner.KEY_ALIAS, resources.keyAlias());
        refs.put(Provisioner.EVENT_BUS, resources.eventBusName());
        // Locally only warnings reach the terminal, so the RecordStored lines stay readable.
        if (System.getenv("LOG_LEVEL") == null && System.getProperty("LOG_LEVEL") == null) {
            System.setProperty("LOG_LEVEL", "WARN");
        }
        for (String function : List.of(INTAKE_FUNCTION, WORKER_FUNCTION, DECRYPT_FUNCTION)) {
            template.environment(function, refs).forEach((name, value) -> {
                if (System.getenv(name) == null && System.getProperty(name) == null) {
                    System.setProperty(name, value);
                }
            });
        }
        Log.refreshThreshold();
    }

    private static QueuePoller.Settings pollerSettings(Template template) {
        return new QueuePoller.Settings(
                Integer.parseInt(template.parameterDefault("WorkerBatchSize")),
                Duration.ofSeconds(Long.parseLong(template.parameterDefault("WorkerBatchingWindowSeconds"))),
                Duration.ofSeconds(1),
                workerConcurrency(),
                visibilityTimeout());
    }

    /** Concurrent local worker invocations: CRYPTOPIPE_WORKER_CONCURRENCY (or the system property), default 2. */
    static int workerConcurrency() {
        String value = System.getenv(WORKER_CONCURRENCY_VARIABLE);
        if (value == null || value.isBlank()) {
            value = System.getProperty(WORKER_CONCURRENCY_VARIABLE, "2");
        }
        try {
            int concurrency = Integer.parseInt(value.trim());
            if (concurrency < 1 || concurrency > 64) {
                throw new NumberFormatException();
            }
            return concurrency;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(WORKER_CONCURRENCY_VARIABLE + " must be 1 to 64, got '" + value + "'");
        }
    }

    /**
     * How long a message the local worker received stays hidden: CRYPTOPIPE_VISIBILITY_TIMEOUT
     * seconds (or the system property of that name), default 60 (the worker's timeout), so
     * after a crash the messages that were in flight come back within a minute rather than
     * after the queue's 11 minutes.
     */
    static Duration visibilityTimeout() {
        String value = System.getenv(VISIBILITY_TIMEOUT_VARIABLE);
        if (value == null || value.isBlank()) {
            value = System.getProperty(VISIBILITY_TIMEOUT_VARIABLE, "60");
        }
        try {
            long seconds = Long.parseLong(value.trim());
            if (seconds < 1 || seconds > 43_200) {
                throw new NumberFormatException();
            }
            return Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(VISIBILITY_TIMEOUT_VARIABLE + " must be 1 to 43200 seconds, got '" + value + "'");
        }
    }

    public int port() {
        return gateway.port();
    }

    public Resources resources() {
        return resources;
    }

    public Emulator emulator() {
        return emulator;
    }

    @Override
    public void close() {
        gateway.close();
        poller.close();
        printer.close();
        emulator.close();
    }

    /** The SDK clients the local tools use, built like the functions' own. */
    public record AwsClients(KmsClient kms, SqsClient sqs, DynamoDbClient dynamo, EventBridgeClient events, SfnClient sfn) {
        public static AwsClients create() {
            return new AwsClients(
                    SdkClients.build(KmsClient.builder()),
                    SdkClients.build(SqsClient.builder()),
                    SdkClients.build(DynamoDbClient.builder()),
                    SdkClients.build(EventBridgeClient.builder()),
                    SdkClients.build(SfnClient.builder()));
        }

        public Provisioner provisioner(Template template) {
            return new Provisioner(template, kms, sqs, dynamo, events, sfn);
        }
    }
}
