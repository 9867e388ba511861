package dev.cryptopipe.local.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Part 5: {@code GET /records/{uuid}} through the local gateway with warm caches, against a
 * bare DynamoDB {@code GetItem} of the same item on the same emulator. One request at a time,
 * the two interleaved so both see the same conditions.
 */
final class DecryptLatencyBench {
    /** Latencies in milliseconds. */
    record Result(int samples, double decryptP50, double decryptP99, double getItemP50, double getItemP99) {
        double p99Ratio() {
            return decryptP99 / getItemP99;
        }
    }

    private DecryptLatencyBench() {
    }

    static Result run(URI gateway, DynamoDbClient dynamo, String recordsTable, List<String> uuids, int samples, int warmUp)
            throws IOException, InterruptedException {
        for (int i = 0; i < warmUp; i++) {
            decrypt(gateway, uuids.get(i % uuids.size()));
            getItem(dynamo, recordsTable, uuids.get(i % uuids.size()));
        }
        double[] decrypt = new double[samples];
        double[] getItem = new double[samples];
        for (int i = 0; i < samples; i++) {
            String uuid = uuids.get(i % uuids.size());
            decrypt[i] = decrypt(gateway, uuid);
            getItem[i] = getItem(dynamo, recordsTable, uuid);
        }
        Arrays.sort(decrypt);
        Arrays.sort(getItem);
        return new Result(samples, percentile(decrypt, 0.50), percentile(decrypt, 0.99),
                percentile(getItem, 0.50), percentile(getItem, 0.99));
    }

    private static double decrypt(URI gateway, String uuid) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/records/" + uuid))
                .timeout(Duration.ofSeconds(30)).GET().build();
        long started = System.nanoTime();
        HttpResponse<byte[]> response = Load.HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
        long took = System.nanoTime() - started;
        if (response.statusCode() != 200) {
            // Only the status: a 200's body is a plaintext, an error's is not needed here.
            throw new IllegalStateException("GET /records/" + uuid + " answered " + response.statusCode());
        }
        Arrays.fill(response.body(), (byte) 0);
        return took / 1e6;
    }

    private static double getItem(DynamoDbClient dynamo, String table, String uuid) {
        long started = System.nanoTime();
        Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(table)
                .key(Map.of("id", AttributeValue.fromS(uuid)))).item();
        long took = System.nanoTime() - started;
        if (item == null || item.isEmpty()) {
            throw new IllegalStateException("GetItem found no record " + uuid);
        }
        return took / 1e6;
    }

    /** Nearest rank. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
