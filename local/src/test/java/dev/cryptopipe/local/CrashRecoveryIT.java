package dev.cryptopipe.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.aws.SdkClients;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.faults.ReadBack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code ./cryptopipe up} killed with SIGKILL while producers are sending and the worker is
 * busy, then started again on the same emulator: every request that was answered with a uuid
 * ends stored and reads back as sent, a batch that got no answer is sent again with the same
 * idempotency keys and gets the same uuids, and provisioning reuses the key, queues and tables.
 */
@ExtendWith(EmulatorExtension.class)
class CrashRecoveryIT {
    private static final Duration STARTUP = Duration.ofMinutes(3);
    private static final int BATCH = 100;
    /** Accepted before the kill: enough that the worker is certainly behind. */
    private static final int ACCEPTED_BEFORE_KILL = 1_500;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String marker = "CRASHSECRET-" + run + "-";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void killedWhileBusyLosesNothingAcceptedAndReusesWhatExists(Emulator emulator, @TempDir Path state) throws Exception {
        int port = LocalProcess.freePort();
        Map<String, String> environment = Map.of(
                "CRYPTOPIPE_PORT", Integer.toString(port),
                "CRYPTOPIPE_STATE_DIR", state.toString(),
                // In-flight messages of the killed runtime come back after this, not the queue's 11 minutes.
                "CRYPTOPIPE_VISIBILITY_TIMEOUT", "10");
        URI base = URI.create("http://127.0.0.1:" + port);

        Map<String, String> accepted = new ConcurrentHashMap<>();
        List<List<String>> unanswered = new ArrayList<>();
        LocalProcess first = LocalProcess.start(emulator.endpoint(), environment, "up");
        Map<String, Object> provisioned;
        int pendingAtKill;
        try (SqsClient sqs = SdkClients.build(SqsClient.builder());
             DynamoDbClient dynamo = SdkClients.build(DynamoDbClient.builder());
             KmsClient kms = SdkClients.build(KmsClient.builder())) {
            first.awaitLine(line -> line.contains("ready"), STARTUP);
            provisioned = provisioned(sqs, dynamo, kms);

            // Producers send keyed batches until the runtime dies under them.
            AtomicInteger nextBatch = new AtomicInteger();
            AtomicBoolean producing = new AtomicBoolean(true);
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                producers.add(Thread.ofPlatform().start(() -> {
                    while (producing.get()) {
                        List<String> keys = keys(nextBatch.getAndIncrement());
                        try {
                            accepted.putAll(send(base, keys));
                        } catch (IOException | InterruptedException | RuntimeException e) {
                            synchronized (unanswered) {
                                unanswered.add(keys);
                            }
                            return;
                        }
                    }
                }));
            }
            first.awaitLine(line -> line.startsWith("RecordStored"), Duration.ofMinutes(3));
            assertTrue(poll(Duration.ofMinutes(5), () -> accepted.size() >= ACCEPTED_BEFORE_KILL), "producers got answers");

            first.process().destroyForcibly(); // SIGKILL: no shutdown hook, nothing flushed
            assertTrue(first.process().waitFor(30, TimeUnit.SECONDS));
            producing.set(false);
            for (Thread producer : producers) {
                producer.join(Duration.ofMinutes(2));
            }
            pendingAtKill = accepted.size() - countStored(dynamo, accepted.keySet());
            assertTrue(pendingAtKill > 0, "the kill came while accepted records were still waiting to be stored");

            LocalProcess second = LocalProcess.start(emulator.endpoint(), environment, "up");
            try {
                second.awaitLine(line -> line.contains("ready"), STARTUP);
                assertEquals(provisioned, provisioned(sqs, dynamo, kms), "starting again reuses the key, queues and tables");

                // A batch that got no answer is sent again with the same keys: same uuids, no second record.
                for (List<String> keys : unanswered) {
                    Map<String, String> again = send(base, keys);
                    for (int i = 0; i < keys.size(); i++) {
                        assertTrue(again.containsKey(RecordId.fromIdempotencyKey("anonymous", keys.get(i)).toString()));
                    }
                    accepted.putAll(again);
                }

                ReadBack reader = new ReadBack(base);
                List<String> wrong = reader.mismatches(accepted, 16, Duration.ofMinutes(8), true);
                assertEquals(List.of(), wrong, wrong.size() + " of " + accepted.size() + " accepted records were lost or wrong");
                assertEquals(accepted.size(), countStored(dynamo, accepted.keySet()));
            } finally {
                second.close();
                assertFalse(second.output().contains(marker), "a plaintext appeared in the output of ./cryptopipe up");
            }
        } finally {
            first.close();
            assertFalse(first.output().contains(marker), "a plaintext appeared in the output of ./cryptopipe up");
        }
        System.out.println("CrashRecoveryIT: " + accepted.size() + " accepted (" + unanswered.size()
                + " batches unanswered at the kill, sent again), " + pendingAtKill + " not yet stored when killed; all stored after the restart");
    }

    private List<String> keys(int batch) {
        List<String> keys = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            keys.add("crash-" + run + "-" + batch + "-" + i);
        }
        return keys;
    }

    private String plaintext(String key) {
        return marker + key + " " + "payload ✓ ".repeat(key.length() % 7 + 1);
    }

    /** uuid → plaintext for a keyed batch that was answered; throws if it was not (or an item was refused). */
    private Map<String, String> send(URI base, List<String> keys) throws IOException, InterruptedException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode items = body.putArray("items");
        for (String key : keys) {
            items.addObject().put("plaintext", plaintext(key)).put("idempotencyKey", key);
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/encrypt/batch"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IOException("answered " + response.statusCode());
        }
        Map<String, String> accepted = new LinkedHashMap<>();
        JsonNode results = Json.MAPPER.readTree(response.body()).path("results");
        for (int i = 0; i < keys.size(); i++) {
            String uuid = results.path(i).path("uuid").asText(null);
            if (uuid == null) {
                throw new IOException("item " + i + " refused: " + results.path(i));
            }
            accepted.put(uuid, plaintext(keys.get(i)));
        }
        return accepted;
    }

    private static int countStored(DynamoDbClient dynamo, Set<String> uuids) {
        String table = LocalPipeline.template().string("RecordsTable", "TableName");
        List<String> all = new ArrayList<>(uuids);
        int stored = 0;
        for (int start = 0; start < all.size(); start += 100) {
            List<Map<String, AttributeValue>> keys = all.subList(start, Math.min(all.size(), start + 100)).stream()
                    .map(uuid -> Map.of("id", AttributeValue.fromS(uuid))).toList();
            Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(keys)
                    .projectionExpression("id").consistentRead(true).build());
            while (!request.isEmpty()) {
                Map<String, KeysAndAttributes> pending = request;
                var response = dynamo.batchGetItem(get -> get.requestItems(pending));
                stored += response.responses().getOrDefault(table, List.of()).size();
                request = response.unprocessedKeys();
            }
        }
        return stored;
    }

    /** What provisioning made: the KMS keys, the alias's key, the queue URLs and the tables. */
    private static Map<String, Object> provisioned(SqsClient sqs, DynamoDbClient dynamo, KmsClient kms) {
        Map<String, Object> state = new HashMap<>();
        state.put("keys", kms.listKeysPaginator(list -> { }).keys().stream().map(key -> key.keyArn())
                .collect(Collectors.toCollection(TreeSet::new)));
        String alias = LocalPipeline.template().string("DataKeyAlias", "AliasName");
        state.put("alias", kms.describeKey(describe -> describe.keyId(alias)).keyMetadata().arn());
        state.put("queues", new TreeSet<>(sqs.listQueues(list -> list.queueNamePrefix(LocalPipeline.STACK_NAME)).queueUrls()));
        state.put("tables", new TreeSet<>(dynamo.listTables().tableNames()));
        return state;
    }

    private static boolean poll(Duration deadline, java.util.function.BooleanSupplier condition) throws InterruptedException {
        Instant until = Instant.now().plus(deadline);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(until)) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return true;
    }
}
