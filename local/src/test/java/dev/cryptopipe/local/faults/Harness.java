package dev.cryptopipe.local.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.local.LocalPipeline;
import dev.cryptopipe.local.provision.Resources;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * What the in-process end-to-end tests share: the pipeline of this JVM ({@link LocalPipeline}
 * with the test's global interceptor in place), the test's own SDK clients (exempt from faults),
 * a subscriber of every cryptopipe event, and the HTTP calls a producer and a reader make.
 */
public final class Harness implements AutoCloseable {
    /** One item a producer sends, and what it must read back. */
    public record Item(String plaintext, Optional<String> ref, Optional<String> idempotencyKey) {
        @Override
        public String toString() {
            return "Item[ref=" + ref.orElse("") + "]";
        }
    }

    /** The answer for one item: a uuid, or an error code. */
    public record Answer(String uuid, String errorCode) {
        public boolean accepted() {
            return uuid != null;
        }
    }

    public final String runId = UUID.randomUUID().toString().substring(0, 8);
    /** In every plaintext of the run; any output line holding it is a leak. */
    public final String marker = "CPSECRET-" + runId + "-";
    public final LocalPipeline pipeline;
    public final Resources resources;
    public final URI base;
    public final SqsClient sqs = exempt(SqsClient.builder());
    public final DynamoDbClient dynamo = exempt(DynamoDbClient.builder());
    public final EventBridgeClient events = exempt(EventBridgeClient.builder());
    public final EventCollector collector;
    public final AtomicLong readRetries = new AtomicLong();
    public final AtomicLong printedEvents = new AtomicLong();
    /** Event lines printed by the pipeline that held a plaintext: must stay 0. */
    public final AtomicLong printedLeaks = new AtomicLong();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final OutputWatch watch;

    public Harness(OutputWatch watch) throws IOException {
        this.watch = watch;
        watch.watchFor(marker);
        EventLines printed = new EventLines();
        this.pipeline = LocalPipeline.start(0, new PrintStream(printed, true, StandardCharsets.UTF_8));
        this.resources = pipeline.resources();
        this.base = URI.create("http://127.0.0.1:" + pipeline.port());
        this.collector = new EventCollector();
        printed.collector = collector;
    }

    /**
     * The lines the pipeline's own subscriber prints ("RecordStored uuid=… keyId=…", one per
     * event the record-stored rule delivered): the RecordStored events, as a user sees them.
     */
    private final class EventLines extends OutputStream {
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        private volatile EventCollector collector;

        @Override
        public synchronized void write(int b) {
            if (b != '\n') {
                line.write(b);
                return;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            printedEvents.incrementAndGet();
            if (text.contains(marker)) {
                printedLeaks.incrementAndGet();
                return;
            }
            if (text.startsWith("RecordStored ") && collector != null) {
                String uuid = null;
                String keyId = null;
                for (String field : text.split(" ")) {
                    if (field.startsWith("uuid=")) {
                        uuid = field.substring(5);
                    } else if (field.startsWith("keyId=")) {
                        keyId = field.substring(6);
                    }
                }
                if (uuid != null) {
                    collector.stored.computeIfAbsent(uuid, k -> new AtomicInteger()).incrementAndGet();
                    if (keyId != null) {
                        collector.storedKeyIds.put(uuid, keyId);
                    }
                }
            }
        }
    }

    /** A client of the test itself: same SDK setup, never faulted or counted. */
    @SuppressWarnings("unchecked")
    static <B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, C>
            & software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<B, C>, C> C exempt(B builder) {
        return builder.httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .putExecutionAttribute(FaultInjector.EXEMPT, true)
                        .apiCallTimeout(Duration.ofSeconds(60))
                        .build())
                .build();
    }

    /** {@code CPSECRET-run-i ...}: every plaintext differs, some are long, some non-ASCII. */
    public String plaintext(int i) {
        String base = marker + i + " ";
        return switch (i % 5) {
            case 0 -> base + "ascii";
            case 1 -> base + "héllo wörld ✓ 🔐 " + "ü".repeat(i % 50);
            case 2 -> base + "x".repeat(200 + i % 900);
            case 3 -> base + "quotes \" and \\ backslashes\n\ttabs";
            default -> base + "日本語のテキスト " + i;
        };
    }

    /** Sends one batch; answers in order. */
    public List<Answer> submit(List<Item> items) throws IOException, InterruptedException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode array = body.putArray("items");
        for (Item item : items) {
            ObjectNode node = array.addObject().put("plaintext", item.plaintext());
            item.ref().ifPresent(ref -> node.put("ref", ref));
            item.idempotencyKey().ifPresent(key -> node.put("idempotencyKey", key));
        }
        HttpResponse<String> response = post("/encrypt/batch", Json.MAPPER.writeValueAsString(body));
        if (response.statusCode() != 202) {
            throw new AssertionError("POST /encrypt/batch answered " + response.statusCode() + ": " + response.body());
        }
        List<Answer> answers = new ArrayList<>();
        for (JsonNode result : Json.MAPPER.readTree(response.body()).path("results")) {
            answers.add(result.has("uuid")
                    ? new Answer(result.get("uuid").asText(), null)
                    : new Answer(null, result.path("error").path("code").asText()));
        }
        if (answers.size() != items.size()) {
            throw new AssertionError("expected " + items.size() + " results, got " + answers.size());
        }
        return answers;
    }

    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path))
                        .timeout(Duration.ofSeconds(120))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Reads every uuid back over HTTP, {@code parallelism} at a time, retrying 429 and 5xx
     * answers (the faults reach readers too) until the deadline, and returns the uuids whose
     * plaintext is not exactly the expected one (or that never answered 200). Never prints a plaintext.
     */
    public List<String> readBackMismatches(Map<String, String> expected, int parallelism, Duration deadline)
            throws InterruptedException {
        ReadBack reader = new ReadBack(base);
        try {
            return reader.mismatches(expected, parallelism, deadline, false);
        } finally {
            readRetries.addAndGet(reader.retries.get());
        }
    }

    /** Waits up to {@code deadline} for the condition, checking every {@code interval}; true if it held. */
    public static boolean poll(Duration deadline, Duration interval, BooleanSupplier condition) {
        Instant until = Instant.now().plus(deadline);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(until) || !pause(interval)) {
                return false;
            }
        }
        return true;
    }

    private static boolean pause(Duration interval) {
        try {
            TimeUnit.NANOSECONDS.sleep(interval.toNanos());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public int queueDepth(String queueUrl) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(get -> get.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** What a test that timed out should say: what is missing, where the messages are, what the SDK saw. */
    public String diagnosis(java.util.Collection<String> expectedUuids) {
        java.util.Set<String> notAnnounced = new java.util.HashSet<>(expectedUuids);
        notAnnounced.removeAll(collector.stored.keySet());
        java.util.Set<String> stored = new java.util.HashSet<>();
        dynamo.scanPaginator(scan -> scan.tableName(resources.recordsTable()).projectionExpression("id"))
                .items().forEach(item -> stored.add(item.get("id").s()));
        java.util.Set<String> notStored = new java.util.HashSet<>(notAnnounced);
        notStored.removeAll(stored);
        java.util.List<String> dead = new dev.cryptopipe.local.dlq.DeadLetters(sqs, resources.deadLetterQueueUrl(),
                resources.requestQueueUrl()).list(Map.of()).stream()
                .map(entry -> entry.uuid().orElse("?") + " receives=" + entry.receiveCount()).toList();
        return notAnnounced.size() + " not announced (e.g. " + notAnnounced.stream().limit(3).toList() + "), of which "
                + notStored.size() + " not stored; request queue depth " + queueDepth(resources.requestQueueUrl())
                + ", dead letters " + dead.size() + " " + dead.stream().limit(10).toList()
                + "\nSDK counts " + FaultInjector.counts() + "\noutput tail:\n" + watch.tail();
    }

    public OutputWatch watch() {
        return watch;
    }

    @Override
    public void close() {
        collector.close();
        pipeline.close();
        sqs.close();
        dynamo.close();
        events.close();
    }

    /**
     * RecordStored per uuid (from the pipeline's subscriber, see {@link EventLines}) and
     * RecordRejected per message id, from a subscriber of its own: a rule for RecordRejected on
     * the stack's bus delivering to a queue of the test.
     */
    public final class EventCollector implements AutoCloseable {
        public final Map<String, AtomicInteger> stored = new ConcurrentHashMap<>();
        public final Map<String, AtomicInteger> rejected = new ConcurrentHashMap<>();
        public final Map<String, String> storedKeyIds = new ConcurrentHashMap<>();
        private final String queueUrl;
        private final String ruleName = "cryptopipe-it-all-" + runId;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        EventCollector() {
            queueUrl = sqs.createQueue(create -> create.queueName("cryptopipe-it-events-" + runId)).queueUrl();
            String arn = sqs.getQueueAttributes(get -> get.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            events.putRule(rule -> rule.name(ruleName).eventBusName(resources.eventBusName())
                    .eventPattern("{\"source\":[\"cryptopipe\"],\"detail-type\":[\"RecordRejected\"]}"));
            events.putTargets(targets -> targets.rule(ruleName).eventBusName(resources.eventBusName())
                    .targets(target -> target.id("it-events").arn(arn)));
            thread = Thread.ofPlatform().daemon().name("it-event-collector").start(this::loop);
        }

        private void loop() {
            while (running.get()) {
                try {
                    List<Message> messages = sqs.receiveMessage(receive -> receive.queueUrl(queueUrl)
                            .maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
                    List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
                    for (Message message : messages) {
                        JsonNode event = Json.MAPPER.readTree(message.body());
                        JsonNode detail = event.path("detail");
                        switch (event.path("detail-type").asText()) {
                            case "RecordStored" -> {
                                stored.computeIfAbsent(detail.path("uuid").asText(), k -> new AtomicInteger()).incrementAndGet();
                                storedKeyIds.put(detail.path("uuid").asText(), detail.path("keyId").asText());
                            }
                            case "RecordRejected" -> rejected.computeIfAbsent(detail.path("messageId").asText(),
                                    k -> new AtomicInteger()).incrementAndGet();
                            default -> { }
                        }
                        done.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(done.size()))
                                .receiptHandle(message.receiptHandle()).build());
                    }
                    if (!done.isEmpty()) {
                        sqs.deleteMessageBatch(delete -> delete.queueUrl(queueUrl).entries(done));
                    }
                } catch (IOException | RuntimeException e) {
                    if (!running.get()) {
                        return;
                    }
                }
            }
        }

        public boolean storedAll(Set<String> uuids) {
            return stored.keySet().containsAll(uuids);
        }

        @Override
        public void close() {
            running.set(false);
            try {
                thread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                events.removeTargets(remove -> remove.rule(ruleName).eventBusName(resources.eventBusName()).ids("it-events"));
                events.deleteRule(delete -> delete.name(ruleName).eventBusName(resources.eventBusName()));
                sqs.deleteQueue(delete -> delete.queueUrl(queueUrl));
            } catch (RuntimeException ignored) {
                // the emulator goes away with the run
            }
        }
    }
}
