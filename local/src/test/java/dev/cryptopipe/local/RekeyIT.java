package dev.cryptopipe.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cryptopipe.aws.KmsKeySource;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.provision.Provisioner;
import dev.cryptopipe.local.provision.Template;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * Key rotation end to end, as an operator runs it: {@code ./cryptopipe up}, then
 * {@code ./cryptopipe rotate-key} and {@code ./cryptopipe rekey} as separate processes, with the
 * rekey state machine really executed by the emulator.
 */
@ExtendWith(EmulatorExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RekeyIT {
    private static final Duration STARTUP = Duration.ofMinutes(3);
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final Duration COMMAND = Duration.ofMinutes(3);
    private static final int RECORDS = 12;
    /** Few records per data key, so the records above spread over several data keys. */
    private static final String RECORDS_PER_DATA_KEY = "3";
    private static final Pattern COUNTS = Pattern.compile(
            "rekey SUCCEEDED in \\S+ s: scanned (\\d+), rekeyed (\\d+), skipped (\\d+), failed (\\d+)");

    /** In every plaintext and unique per run, so finding it in an output can only mean a plaintext was printed. */
    private final String secret = "rekey-secret-" + UUID.randomUUID();
    private final Map<String, String> plaintexts = new LinkedHashMap<>();
    private final List<LocalProcess> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    /** Where this test's up processes note themselves, leaving a developer's own up alone. */
    @TempDir
    Path stateDir;
    private Emulator emulator;
    private LocalPipeline.AwsClients aws;
    private String recordsTable;
    private String dataKeysTable;
    private String alias;

    @BeforeAll
    void names(Emulator emulator) {
        this.emulator = emulator;
        aws = LocalPipeline.AwsClients.create();
        Template template = LocalPipeline.template();
        recordsTable = template.string(Provisioner.RECORDS_TABLE, "TableName");
        dataKeysTable = template.string(Provisioner.DATAKEYS_TABLE, "TableName");
        alias = template.string(Provisioner.KEY_ALIAS, "AliasName");
    }

    @Test
    void rotateThenRekeyMovesEveryDataKeyToTheNewKeyAndEveryRecordStaysReadable() throws Exception {
        try (LocalProcess up = up()) {
            URI base = base(up);
            for (int i = 0; i < RECORDS; i++) {
                stored(up, encrypt(base, i));
            }
            Set<String> ours = dataKeyIds(plaintexts.keySet());
            assertTrue(ours.size() >= 4, "12 records at 3 per data key use at least 4 data keys, got " + ours.size());
            String keyA = kid(ours.iterator().next());
            for (String dk : ours) {
                assertEquals(keyA, kid(dk), "before the rotation every data key is under the key the alias names");
            }

            LocalProcess rotate = start("rotate-key");
            assertEquals(0, exitCode(rotate), rotate.output());
            assertEquals(keyA, find(rotate, "old key (\\S+)"));
            String keyB = find(rotate, "new key (\\S+)");
            assertNotEquals(keyA, keyB);
            assertEquals(keyB, aws.kms().describeKey(describe -> describe.keyId(alias)).keyMetadata().arn(),
                    "the alias names the new key");

            // While the rekey runs: new records are written, and a record is read through the
            // decrypt function's cache of unwrapped data keys.
            LocalProcess rekey = start("rekey", "--page-size", "2");
            List<String> writtenDuring = new ArrayList<>();
            String earlier = plaintexts.keySet().iterator().next();
            Instant giveUp = Instant.now().plus(COMMAND);
            do {
                assertTrue(Instant.now().isBefore(giveUp), "rekey still running after " + COMMAND + ":\n" + rekey.output());
                writtenDuring.add(encrypt(base, plaintexts.size()));
                assertReadable(base, earlier);
            } while (!rekey.process().waitFor(100, TimeUnit.MILLISECONDS));
            assertEquals(0, exitCode(rekey), rekey.output());
            Matcher counts = counts(rekey);
            assertTrue(Long.parseLong(counts.group(2)) >= ours.size(), "every data key under A was re-wrapped: " + counts.group());
            assertEquals("0", counts.group(4), counts.group());
            for (String uuid : writtenDuring) {
                stored(up, uuid);
            }

            List<Map<String, AttributeValue>> items = dataKeys();
            assertTrue(items.size() >= ours.size());
            for (Map<String, AttributeValue> item : items) {
                assertEquals(keyB, item.get("kid").s(), "kid of data key " + item.get("dk").s());
                assertWrappedUnder(keyB, keyA, item);
            }
            plaintexts.keySet().forEach(uuid -> assertReadable(base, uuid));

            String keyIdA = keyA.substring(keyA.lastIndexOf('/') + 1); // moto answers DisableKey with an ARN by a 500
            aws.kms().disableKey(disable -> disable.keyId(keyIdA));
            assertEquals(KeyState.DISABLED, aws.kms().describeKey(describe -> describe.keyId(keyIdA)).keyMetadata().keyState());
            plaintexts.keySet().forEach(uuid -> assertReadable(base, uuid));

            LocalProcess again = start("rekey");
            assertEquals(0, exitCode(again), again.output());
            assertEquals("0", counts(again).group(2), "a second run has nothing left to re-wrap");
        }

        // A new process has no cached data key: each record's data key is unwrapped as stored now, under B.
        try (LocalProcess restarted = up()) {
            URI base = base(restarted);
            plaintexts.keySet().forEach(uuid -> assertReadable(base, uuid));
        }
        for (LocalProcess process : processes) {
            assertFalse(process.output().contains(secret), "a plaintext appeared in the output of ./cryptopipe");
        }
    }

    @Test
    void rotateKeyAndRekeySayHowToNameTheEmulatorWhenThereIsNone(@TempDir Path noRunningUp) throws Exception {
        for (String command : List.of("rotate-key", "rekey")) {
            LocalProcess process = LocalProcess.start(emulator.endpoint(),
                    Map.of("AWS_ENDPOINT_URL", "", "CRYPTOPIPE_STATE_DIR", noRunningUp.toString()), command);
            assertEquals(2, exitCode(process), process.output());
            assertTrue(process.output().contains("AWS_ENDPOINT_URL=http://127.0.0.1:PORT ./cryptopipe " + command),
                    process.output());
        }
    }

    private LocalProcess up() throws Exception {
        int port = LocalProcess.freePort();
        LocalProcess up = LocalProcess.start(emulator.endpoint(), Map.of("CRYPTOPIPE_STATE_DIR", stateDir.toString(),
                "CRYPTOPIPE_PORT", Integer.toString(port), "DATA_KEY_MAX_RECORDS", RECORDS_PER_DATA_KEY), "up");
        processes.add(up);
        up.awaitLine(line -> line.contains("ready on http://127.0.0.1:" + port), STARTUP);
        return up;
    }

    private static URI base(LocalProcess up) {
        Matcher url = Pattern.compile("ready on (http://\\S+)").matcher(up.output());
        assertTrue(url.find(), up.output());
        return URI.create(url.group(1));
    }

    /** {@code ./cryptopipe <args>} against the test's emulator. */
    private LocalProcess start(String... args) throws Exception {
        LocalProcess process = LocalProcess.start(emulator.endpoint(), Map.of("CRYPTOPIPE_STATE_DIR", stateDir.toString()), args);
        processes.add(process);
        return process;
    }

    /** Waits for the command to end (all its output read) and gives its exit code. */
    private static int exitCode(LocalProcess process) throws InterruptedException {
        assertTrue(process.process().waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS), "still running:\n" + process.output());
        return process.stop();
    }

    private static String find(LocalProcess process, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(process.output());
        assertTrue(matcher.find(), "no " + regex + " in:\n" + process.output());
        return matcher.group(1);
    }

    private static Matcher counts(LocalProcess rekey) {
        Matcher matcher = COUNTS.matcher(rekey.output());
        assertTrue(matcher.find(), rekey.output());
        return matcher;
    }

    /** POST /encrypt; the uuid, its plaintext remembered. */
    private String encrypt(URI base, int index) throws Exception {
        String plaintext = secret + " #" + index;
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(base.resolve("/encrypt"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"plaintext\": \"" + plaintext + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, accepted.statusCode(), accepted.body());
        String uuid = Json.MAPPER.readTree(accepted.body()).path("uuid").asText();
        plaintexts.put(uuid, plaintext);
        return uuid;
    }

    private static void stored(LocalProcess up, String uuid) {
        up.awaitLine(line -> line.startsWith("RecordStored") && line.contains("uuid=" + uuid), DELIVERY);
    }

    private void assertReadable(URI base, String uuid) {
        try {
            HttpResponse<String> read = http.send(HttpRequest.newBuilder(base.resolve("/decrypt"))
                            .header("Content-Type", "application/json")
                            .header("Accept", "text/plain")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"uuid\": \"" + uuid + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, read.statusCode(), "decrypt " + uuid); // the body is not shown: it is the plaintext
            assertTrue(plaintexts.get(uuid).equals(read.body()), "decrypt " + uuid + " returns its plaintext");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * KMS itself, asked to unwrap with the key named: B unwraps the edk, A refuses it. Naming the
     * key matters on moto, which otherwise unwraps under whatever key the blob names, disabled or not.
     */
    private void assertWrappedUnder(String keyB, String keyA, Map<String, AttributeValue> item) {
        String dk = item.get("dk").s();
        DecryptResponse unwrapped = aws.kms().decrypt(decrypt -> decrypt.keyId(keyB)
                .ciphertextBlob(item.get("edk").b())
                .encryptionContext(KmsKeySource.encryptionContext(dk)));
        assertEquals(keyB, unwrapped.keyId(), "data key " + dk);
        assertThrows(KmsException.class, () -> aws.kms().decrypt(decrypt -> decrypt.keyId(keyA)
                .ciphertextBlob(item.get("edk").b())
                .encryptionContext(KmsKeySource.encryptionContext(dk))), "data key " + dk + " is no longer under A");
    }

    private Set<String> dataKeyIds(Set<String> uuids) {
        Set<String> ids = new HashSet<>();
        for (String uuid : uuids) {
            ids.add(aws.dynamo().getItem(get -> get.tableName(recordsTable).consistentRead(true)
                    .key(Map.of("id", AttributeValue.fromS(uuid)))).item().get("dk").s());
        }
        return ids;
    }

    private String kid(String dataKeyId) {
        return aws.dynamo().getItem(get -> get.tableName(dataKeysTable).consistentRead(true)
                .key(Map.of("dk", AttributeValue.fromS(dataKeyId)))).item().get("kid").s();
    }

    private List<Map<String, AttributeValue>> dataKeys() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        aws.dynamo().scanPaginator(scan -> scan.tableName(dataKeysTable).consistentRead(true))
                .items().forEach(items::add);
        return items;
    }
}
