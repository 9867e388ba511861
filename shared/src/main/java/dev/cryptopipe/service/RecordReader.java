package dev.cryptopipe.service;

import dev.cryptopipe.aws.DataKeyStore;
import dev.cryptopipe.aws.KmsKeySource;
import dev.cryptopipe.aws.RecordStore;
import dev.cryptopipe.aws.SdkClients;
import dev.cryptopipe.config.DecryptConfig;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.core.StoredRecord;
import dev.cryptopipe.crypto.EnvelopeAead;
import dev.cryptopipe.crypto.KeyCacheListener;
import dev.cryptopipe.crypto.RecordAead;
import dev.cryptopipe.observe.Metrics;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kms.KmsClient;

/** Reads a record back: fetch, open, decode. */
public final class RecordReader {
    /** A record as the caller gets it back. */
    public record DecryptedRecord(RecordId id, String plaintext, Optional<String> ref, Instant createdAt) {
        @Override
        public String toString() {
            return "DecryptedRecord[id=" + id + "]";
        }
    }

    private final RecordStore records;
    private final RecordAead aead;
    private final Metrics metrics;

    public RecordReader(RecordStore records, RecordAead aead) {
        this(records, aead, new Metrics("decrypt"));
    }

    public RecordReader(RecordStore records, RecordAead aead, Metrics metrics) {
        this.records = records;
        this.aead = aead;
        this.metrics = metrics;
    }

    public static RecordReader fromConfig(DecryptConfig config) {
        DynamoDbClient dynamo = SdkClients.build(DynamoDbClient.builder());
        KmsClient kms = SdkClients.build(KmsClient.builder());
        KmsKeySource keys = new KmsKeySource(kms, new DataKeyStore(dynamo, config.dataKeysTable()), null, Clock.systemUTC());
        Metrics metrics = new Metrics("decrypt");
        RecordAead aead = EnvelopeAead.builder(keys).listener(new KeyCacheListener() {
            @Override
            public void openingKeyCacheHit() {
                metrics.add("DecryptCacheHits", 1);
            }

            @Override
            public void openingKeyUnwrapped() {
                metrics.add("DataKeysUnwrapped", 1);
            }
        }).build();
        return new RecordReader(new RecordStore(dynamo, config.recordsTable()), aead, metrics);
    }

    /** Emits this read's counts (cache hits, unwraps, records read) as one EMF line. */
    public DecryptedRecord read(RecordId id) {
        try {
            DecryptedRecord record = open(id);
            metrics.add("RecordsRead", 1);
            return record;
        } finally {
            metrics.flush();
        }
    }

    private DecryptedRecord open(RecordId id) {
        StoredRecord record = records.get(id)
                .orElseThrow(() -> ApiException.notFound("no record with uuid " + id));
        byte[] plaintext = aead.open(record.sealed(), id);
        try {
            return new DecryptedRecord(id, decode(plaintext), record.ref(), record.createdAt());
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    private static String decode(byte[] utf8) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("sealed plaintexts are always UTF-8", e);
        }
    }
}
