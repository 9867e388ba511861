package dev.cryptopipe.crypto;

import dev.cryptopipe.core.RecordId;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption, crypto format version 1: a KMS data key, an HKDF-derived key and
 * commitment per record, AES-256-GCM with the record id as associated data.
 */
public final class EnvelopeAead implements RecordAead {
    public static final int VERSION = 1;
    static final int IV_LENGTH = 12;
    static final int TAG_BITS = 128;
    private static final byte[] ENC_INFO = "cryptopipe/v1/enc".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COMMIT_INFO = "cryptopipe/v1/commit".getBytes(StandardCharsets.US_ASCII);
    private static final String AAD_PREFIX = "cryptopipe/v1/";

    private final SealingKeys sealingKeys;
    private final OpeningKeys openingKeys;
    private final SecureRandom random = new SecureRandom();

    private EnvelopeAead(Builder builder) {
        Clock clock = builder.clock;
        this.sealingKeys = new SealingKeys(builder.keySource, builder.maxRecordsPerDataKey, builder.maxDataKeyAge, clock,
                builder.listener);
        this.openingKeys = new OpeningKeys(builder.keySource, builder.openCacheSize, builder.openCacheTtl, clock,
                builder.listener);
    }

    public static Builder builder(KeySource keySource) {
        return new Builder(keySource);
    }

    @Override
    public SealedRecord seal(byte[] plaintext, RecordId id) {
        DataKey dataKey = sealingKeys.acquire();
        try {
            RecordKeys keys = RecordKeys.derive(dataKey, id);
            try {
                byte[] iv = new byte[IV_LENGTH];
                random.nextBytes(iv);
                Cipher cipher = cipher(Cipher.ENCRYPT_MODE, keys.encryptionKey(), iv, id);
                return new SealedRecord(VERSION, dataKey.id(), iv, cipher.doFinal(plaintext), keys.commitment());
            } finally {
                keys.wipe();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is required by the JDK", e);
        } finally {
            dataKey.release();
        }
    }

    @Override
    public byte[] open(SealedRecord sealed, RecordId id) {
        if (sealed.version() != VERSION) {
            throw new IntegrityException("record " + id + " has unknown format version " + sealed.version());
        }
        if (sealed.iv().length != IV_LENGTH) {
            throw new IntegrityException("record " + id + " has a malformed nonce");
        }
        DataKey dataKey = openingKeys.acquire(sealed.dataKeyId());
        try {
            RecordKeys keys = RecordKeys.derive(dataKey, id);
            try {
                if (!MessageDigest.isEqual(keys.commitment(), sealed.commitment())) {
                    throw new IntegrityException("record " + id + " does not match its key commitment");
                }
                return cipher(Cipher.DECRYPT_MODE, keys.encryptionKey(), sealed.iv(), id).doFinal(sealed.ciphertext());
            } finally {
                keys.wipe();
            }
        } catch (AEADBadTagException e) {
            throw new IntegrityException("record " + id + " failed authentication");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is required by the JDK", e);
        } finally {
            dataKey.release();
        }
    }

    private static Cipher cipher(int mode, byte[] key, byte[] iv, RecordId id) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD((AAD_PREFIX + id).getBytes(StandardCharsets.US_ASCII));
        return cipher;
    }

    /** The per-record key and commitment, both derived from the data key and the record id. */
    private record RecordKeys(byte[] encryptionKey, byte[] commitment) {
        static RecordKeys derive(DataKey dataKey, RecordId id) {
            // HKDF-SHA256(dataKey, salt, info) for both infos: one extract serves both expands.
            byte[] pseudoRandomKey = Hkdf.extract(id.bytes(), dataKey.material());
            try {
                return new RecordKeys(
                        Hkdf.expand(pseudoRandomKey, ENC_INFO, 32),
                        Hkdf.expand(pseudoRandomKey, COMMIT_INFO, 32));
            } finally {
                Arrays.fill(pseudoRandomKey, (byte) 0);
            }
        }

        void wipe() {
            Arrays.fill(encryptionKey, (byte) 0);
        }
    }

    /** Settings of the data-key caches; defaults are DESIGN.md's. */
    public static final class Builder {
        private final KeySource keySource;
        private long maxRecordsPerDataKey = 10_000;
        private Duration maxDataKeyAge = Duration.ofMinutes(5);
        private int openCacheSize = 1_000;
        private Duration openCacheTtl = Duration.ofMinutes(5);
        private Clock clock = Clock.systemUTC();
        private KeyCacheListener listener = KeyCacheListener.NONE;

        private Builder(KeySource keySource) {
            if (keySource == null) {
                throw new IllegalArgumentException("keySource is required");
            }
            this.keySource = keySource;
        }

        public Builder maxRecordsPerDataKey(long value) {
            this.maxRecordsPerDataKey = value;
            return this;
        }

        public Builder maxDataKeyAge(Duration value) {
            this.maxDataKeyAge = value;
            return this;
        }

        public Builder openCacheSize(int value) {
            this.openCacheSize = value;
            return this;
        }

        public Builder openCacheTtl(Duration value) {
            this.openCacheTtl = value;
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** Told of every data key generated, cache hit and unwrap, for metrics. */
        public Builder listener(KeyCacheListener value) {
            this.listener = value == null ? KeyCacheListener.NONE : value;
            return this;
        }

        public EnvelopeAead build() {
            return new EnvelopeAead(this);
        }
    }
}
