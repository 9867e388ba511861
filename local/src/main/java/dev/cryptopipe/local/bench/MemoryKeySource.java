package dev.cryptopipe.local.bench;

import dev.cryptopipe.crypto.DataKey;
import dev.cryptopipe.crypto.IntegrityException;
import dev.cryptopipe.crypto.KeySource;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Data keys held in memory, so the crypto bench measures the crypto and no KMS. */
final class MemoryKeySource implements KeySource {
    private static final String KEY_ARN = "arn:aws:kms:us-east-1:000000000000:key/bench";
    private final Map<String, byte[]> keys = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    @Override
    public DataKey generate() {
        String id = UUID.randomUUID().toString();
        byte[] material = new byte[DataKey.LENGTH];
        random.nextBytes(material);
        keys.put(id, material.clone());
        return new DataKey(id, KEY_ARN, Instant.now(), material);
    }

    @Override
    public DataKey unwrap(String dataKeyId) {
        byte[] material = keys.get(dataKeyId);
        if (material == null) {
            throw new IntegrityException("data key " + dataKeyId + " does not exist");
        }
        return new DataKey(dataKeyId, KEY_ARN, Instant.EPOCH, material.clone());
    }
}
