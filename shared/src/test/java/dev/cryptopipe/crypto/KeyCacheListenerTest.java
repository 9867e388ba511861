package dev.cryptopipe.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cryptopipe.core.RecordId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The counts behind the DataKeysGenerated, DecryptCacheHits and DataKeysUnwrapped metrics. */
class KeyCacheListenerTest {
    private static final byte[] PLAINTEXT = "listener".getBytes(StandardCharsets.UTF_8);

    private final AtomicInteger generated = new AtomicInteger();
    private final AtomicInteger hits = new AtomicInteger();
    private final AtomicInteger unwrapped = new AtomicInteger();
    private final KeyCacheListener listener = new KeyCacheListener() {
        @Override
        public void dataKeyGenerated() {
            generated.incrementAndGet();
        }

        @Override
        public void openingKeyCacheHit() {
            hits.incrementAndGet();
        }

        @Override
        public void openingKeyUnwrapped() {
            unwrapped.incrementAndGet();
        }
    };

    @Test
    void countsMatchTheKeySourceCalls() {
        FakeKeySource keys = new FakeKeySource();
        EnvelopeAead worker = EnvelopeAead.builder(keys).maxRecordsPerDataKey(4).listener(listener).build();
        EnvelopeAead reader = EnvelopeAead.builder(keys).listener(listener).build();
        List<RecordId> ids = new ArrayList<>();
        List<SealedRecord> sealed = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            RecordId id = RecordId.random();
            ids.add(id);
            sealed.add(worker.seal(PLAINTEXT, id));
        }
        for (int i = 0; i < 10; i++) {
            reader.open(sealed.get(i), ids.get(i));
        }

        assertEquals(3, generated.get(), "10 records, 4 per data key");
        assertEquals(keys.generateCalls(), generated.get());
        assertEquals(3, unwrapped.get(), "one unwrap per data key");
        assertEquals(keys.unwrapCalls(), unwrapped.get());
        assertEquals(7, hits.get(), "every other open hit the cache");
    }
}
