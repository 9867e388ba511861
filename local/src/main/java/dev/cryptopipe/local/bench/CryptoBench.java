package dev.cryptopipe.local.bench;

import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.crypto.EnvelopeAead;
import dev.cryptopipe.crypto.SealedRecord;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Part 3: seal and open of {@link EnvelopeAead} against bare AES-256-GCM on this JVM, one thread,
 * with an in-memory key source (no KMS). A hand harness: each operation runs for the warm-up
 * time first, then {@code samples} timed rounds of enough operations to last about 20 ms each,
 * alternating with the bare counterpart; figures are medians of the rounds.
 */
final class CryptoBench {
    static final int[] SIZES = {64, 1024, 64 * 1024};
    private static final long ROUND_NANOS = 20_000_000;
    private static final int IDS = 1024;

    /** Medians in nanoseconds per operation for one plaintext size. */
    record Row(int bytes, double sealNs, double openNs, double bareEncryptNs, double bareDecryptNs,
               double sealRatio, double openRatio) {
    }

    /** Medians of an operation and its bare counterpart, and the median of their ratio round by round. */
    private record Pair(double nanos, double bareNanos, double ratio) {
    }

    /** One operation under test; returns something derived from its output so it cannot be optimised away. */
    private interface Op {
        int run(int i) throws GeneralSecurityException;
    }

    private static volatile int sink;

    private CryptoBench() {
    }

    static List<Row> run(Duration warmUp, int samples) throws GeneralSecurityException {
        SecureRandom random = new SecureRandom();
        EnvelopeAead aead = EnvelopeAead.builder(new MemoryKeySource()).build();
        RecordId[] ids = new RecordId[IDS];
        for (int i = 0; i < IDS; i++) {
            ids[i] = RecordId.random();
        }
        byte[] keyBytes = new byte[32];
        random.nextBytes(keyBytes);
        SecretKey key = new SecretKeySpec(keyBytes, "AES");
        byte[][] aad = new byte[IDS][];
        for (int i = 0; i < IDS; i++) {
            aad[i] = ("cryptopipe/v1/" + ids[i]).getBytes(StandardCharsets.US_ASCII);
        }
        List<Row> rows = new ArrayList<>();
        for (int size : SIZES) {
            byte[] plaintext = new byte[size];
            random.nextBytes(plaintext);
            SealedRecord[] sealed = new SealedRecord[IDS];
            byte[][] ivs = new byte[IDS][];
            byte[][] bare = new byte[IDS][];
            for (int i = 0; i < IDS; i++) {
                sealed[i] = aead.seal(plaintext, ids[i]);
                ivs[i] = new byte[12];
                random.nextBytes(ivs[i]);
                bare[i] = gcm(Cipher.ENCRYPT_MODE, key, ivs[i], aad[i]).doFinal(plaintext);
            }
            Op seal = i -> aead.seal(plaintext, ids[i % IDS]).ciphertext().length;
            Op open = i -> aead.open(sealed[i % IDS], ids[i % IDS]).length;
            Op bareEncrypt = i -> {
                byte[] iv = new byte[12];
                random.nextBytes(iv);
                return gcm(Cipher.ENCRYPT_MODE, key, iv, aad[i % IDS]).doFinal(plaintext).length;
            };
            Op bareDecrypt = i -> gcm(Cipher.DECRYPT_MODE, key, ivs[i % IDS], aad[i % IDS]).doFinal(bare[i % IDS]).length;
            Pair sealing = paired(seal, bareEncrypt, warmUp, samples);
            Pair opening = paired(open, bareDecrypt, warmUp, samples);
            rows.add(new Row(size, sealing.nanos(), opening.nanos(), sealing.bareNanos(), opening.bareNanos(),
                    sealing.ratio(), opening.ratio()));
        }
        return rows;
    }

    /** Bare AES-256-GCM as the JDK offers it: a cipher, a key, a fresh 96-bit nonce and the same associated data. */
    private static Cipher gcm(int mode, SecretKey key, byte[] iv, byte[] aad) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(128, iv));
        cipher.updateAAD(aad);
        return cipher;
    }

    /**
     * Warms both operations up, then times them in alternating rounds, so a machine whose load
     * changes during the run slows both alike; the ratio is the median of the rounds' ratios.
     */
    private static Pair paired(Op op, Op bare, Duration warmUp, int samples) throws GeneralSecurityException {
        int[] counter = {0};
        long warmUpEnds = System.nanoTime() + warmUp.toNanos();
        int acc = 0;
        while (System.nanoTime() < warmUpEnds) {
            acc += op.run(counter[0]++) + bare.run(counter[0]++);
        }
        sink += acc;
        int opPerRound = calibrate(op, counter);
        int barePerRound = calibrate(bare, counter);
        double[] nanos = new double[samples];
        double[] bareNanos = new double[samples];
        double[] ratios = new double[samples];
        for (int s = 0; s < samples; s++) {
            nanos[s] = round(op, opPerRound, counter);
            bareNanos[s] = round(bare, barePerRound, counter);
            ratios[s] = nanos[s] / bareNanos[s];
        }
        return new Pair(median(nanos), median(bareNanos), median(ratios));
    }

    /** How many operations fill one round's time. */
    private static int calibrate(Op op, int[] counter) throws GeneralSecurityException {
        long start = System.nanoTime();
        int count = 0;
        int acc = 0;
        while (System.nanoTime() - start < ROUND_NANOS) {
            acc += op.run(counter[0]++);
            count++;
        }
        sink += acc;
        return count;
    }

    /** Nanoseconds per operation over one round. */
    private static double round(Op op, int operations, int[] counter) throws GeneralSecurityException {
        int acc = 0;
        long start = System.nanoTime();
        for (int k = 0; k < operations; k++) {
            acc += op.run(counter[0]++);
        }
        long took = System.nanoTime() - start;
        sink += acc;
        return took / (double) operations;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
