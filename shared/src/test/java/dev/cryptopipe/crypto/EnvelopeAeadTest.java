package dev.cryptopipe.crypto;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cryptopipe.core.RecordId;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeAeadTest {
    /** Never printed: assertions on it compare bytes or use messages without the value. */
    private static final String SECRET_TEXT = "héllo wörld ✓ 🔐 日本語";
    private static final byte[] SECRET = SECRET_TEXT.getBytes(UTF_8);

    private final SecureRandom random = new SecureRandom();
    private final FakeKeySource keys = new FakeKeySource();
    private final EnvelopeAead aead = EnvelopeAead.builder(keys).build();

    // ---- round trips -------------------------------------------------------------------

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 4096, 131_072})
    void roundTripsPlaintextsOfEverySize(int size) {
        byte[] plaintext = randomBytes(size);
        RecordId id = RecordId.random();

        SealedRecord sealed = aead.seal(plaintext, id);

        assertEquals(1, sealed.version());
        assertEquals(12, sealed.iv().length, "96-bit nonce");
        assertEquals(size + 16, sealed.ciphertext().length, "ciphertext plus a 128-bit tag");
        assertEquals(32, sealed.commitment().length);
        assertArrayEquals(plaintext, aead.open(sealed, id));
    }

    @Test
    void roundTripsMultiByteUtf8Text() {
        RecordId id = RecordId.random();

        byte[] opened = aead.open(aead.seal(SECRET, id), id);

        assertArrayEquals(SECRET, opened);
        assertTrue(SECRET_TEXT.equals(new String(opened, UTF_8)), "multi-byte text must survive the round trip");
    }

    @Test
    void ciphertextIsNotPlaintext() {
        SealedRecord sealed = aead.seal(SECRET, RecordId.random());

        byte[] body = Arrays.copyOf(sealed.ciphertext(), SECRET.length);
        assertFalse(Arrays.equals(SECRET, body), "ciphertext must not be the plaintext");
    }

    @Test
    void sealingTheSamePlaintextTwiceUsesFreshNonces() {
        RecordId id = RecordId.random();

        SealedRecord first = aead.seal(SECRET, id);
        SealedRecord second = aead.seal(SECRET, id);

        assertEquals(first.dataKeyId(), second.dataKeyId(), "same data key, so only the nonce can differ");
        assertFalse(Arrays.equals(first.iv(), second.iv()), "nonces must differ");
        assertFalse(Arrays.equals(first.ciphertext(), second.ciphertext()), "ciphertexts must differ");
        assertArrayEquals(SECRET, aead.open(first, id));
        assertArrayEquals(SECRET, aead.open(second, id));
    }

    // ---- binding to the record id -------------------------------------------------------

    @Test
    void openingUnderAnotherIdFails() {
        RecordId id = RecordId.random();
        SealedRecord sealed = aead.seal(SECRET, id);

        assertRefused(sealed, RecordId.random());
    }

    @Test
    void theAssociatedDataAloneBindsTheUuid() throws Exception {
        // Key and commitment are right for `target`; only the AAD names another uuid. Without
        // the AAD check this record would open, so this isolates the AAD from the HKDF salt.
        byte[] material = randomBytes(32);
        keys.put("dk-aad", material);
        RecordId target = RecordId.random();
        RecordId other = RecordId.random();
        byte[] iv = randomBytes(12);
        byte[] k = Spec.hkdf32(material, Spec.uuidBytes(target), "cryptopipe/v1/enc");
        byte[] c = Spec.hkdf32(material, Spec.uuidBytes(target), "cryptopipe/v1/commit");

        byte[] wrongAad = Spec.gcm(Cipher.ENCRYPT_MODE, k, iv, Spec.aad(other), SECRET);
        assertRefused(new SealedRecord(1, "dk-aad", iv, wrongAad, c), target);

        byte[] rightAad = Spec.gcm(Cipher.ENCRYPT_MODE, k, iv, Spec.aad(target), SECRET);
        assertArrayEquals(SECRET, aead.open(new SealedRecord(1, "dk-aad", iv, rightAad, c), target));
    }

    // ---- tampering ----------------------------------------------------------------------

    enum Field { IV, CIPHERTEXT, COMMITMENT }

    @ParameterizedTest
    @EnumSource(Field.class)
    void flippingAnyBitOfASealedFieldFails(Field field) {
        RecordId id = RecordId.random();
        SealedRecord sealed = aead.seal(SECRET, id);
        byte[] original = switch (field) {
            case IV -> sealed.iv();
            case CIPHERTEXT -> sealed.ciphertext(); // body and tag
            case COMMITMENT -> sealed.commitment();
        };

        for (int bit = 0; bit < original.length * 8; bit++) {
            byte[] flipped = original.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            SealedRecord tampered = switch (field) {
                case IV -> new SealedRecord(1, sealed.dataKeyId(), flipped, sealed.ciphertext(), sealed.commitment());
                case CIPHERTEXT -> new SealedRecord(1, sealed.dataKeyId(), sealed.iv(), flipped, sealed.commitment());
                case COMMITMENT -> new SealedRecord(1, sealed.dataKeyId(), sealed.iv(), sealed.ciphertext(), flipped);
            };
            assertRefused(tampered, id);
        }
        assertArrayEquals(SECRET, aead.open(sealed, id), "the untouched record still opens");
    }

    @Test
    void truncatedOrMalformedFieldsFail() {
        RecordId id = RecordId.random();
        SealedRecord sealed = aead.seal(SECRET, id);
        byte[] ct = sealed.ciphertext();

        assertRefused(with(sealed, sealed.iv(), Arrays.copyOf(ct, ct.length - 1), sealed.commitment()), id);
        assertRefused(with(sealed, sealed.iv(), Arrays.copyOf(ct, 15), sealed.commitment()), id);
        assertRefused(with(sealed, sealed.iv(), new byte[0], sealed.commitment()), id);
        assertRefused(with(sealed, Arrays.copyOf(sealed.iv(), 16), ct, sealed.commitment()), id);
        assertRefused(with(sealed, new byte[0], ct, sealed.commitment()), id);
        assertRefused(with(sealed, sealed.iv(), ct, new byte[0]), id);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, -1})
    void anUnknownFormatVersionFails(int version) {
        RecordId id = RecordId.random();
        SealedRecord sealed = aead.seal(SECRET, id);

        assertRefused(new SealedRecord(version, sealed.dataKeyId(), sealed.iv(), sealed.ciphertext(), sealed.commitment()), id);
    }

    @Test
    void pointingDkAtAnotherDataKeyFails() {
        EnvelopeAead freshKeyPerRecord = EnvelopeAead.builder(keys).maxRecordsPerDataKey(1).build();
        RecordId id = RecordId.random();
        SealedRecord sealed = freshKeyPerRecord.seal(SECRET, id);
        String otherKey = freshKeyPerRecord.seal(SECRET, RecordId.random()).dataKeyId();
        assertFalse(otherKey.equals(sealed.dataKeyId()));

        assertRefused(new SealedRecord(1, otherKey, sealed.iv(), sealed.ciphertext(), sealed.commitment()), id);
        assertEquals(1, keys.unwrapCalls(), "the other key exists and was unwrapped: the commitment refused it");
    }

    @Test
    void anUnknownDataKeyFails() {
        RecordId id = RecordId.random();
        SealedRecord sealed = aead.seal(SECRET, id);

        assertRefused(new SealedRecord(1, "dk-missing", sealed.iv(), sealed.ciphertext(), sealed.commitment()), id);
    }

    @Test
    void aFailedUnwrapIsNotCached() {
        RecordId id = RecordId.random();
        SealedRecord sealed = aead.seal(SECRET, id);
        SealedRecord elsewhere = new SealedRecord(1, "dk-late", sealed.iv(), sealed.ciphertext(), sealed.commitment());
        assertRefused(elsewhere, id);

        keys.put("dk-late", keys.material(sealed.dataKeyId()));

        assertArrayEquals(SECRET, aead.open(elsewhere, id));
        assertEquals(2, keys.unwrapCalls());
    }

    // ---- the format, recomputed from DESIGN.md ------------------------------------------

    @Test
    void aSealedRecordDecryptsWithAnIndependentImplementationOfTheSpec() throws Exception {
        RecordId id = RecordId.random();

        SealedRecord sealed = aead.seal(SECRET, id);

        byte[] material = keys.material(sealed.dataKeyId());
        byte[] salt = Spec.uuidBytes(id);
        byte[] k = Spec.hkdf32(material, salt, "cryptopipe/v1/enc");
        byte[] c = Spec.hkdf32(material, salt, "cryptopipe/v1/commit");
        assertEquals(1, sealed.version());
        assertArrayEquals(c, sealed.commitment(), "commitment = HKDF(dataKey, uuid bytes, \"cryptopipe/v1/commit\")");
        byte[] plaintext = Spec.gcm(Cipher.DECRYPT_MODE, k, sealed.iv(), Spec.aad(id), sealed.ciphertext());
        assertArrayEquals(SECRET, plaintext);
    }

    @Test
    void aRecordSealedByAnIndependentImplementationOfTheSpecOpens() throws Exception {
        byte[] material = randomBytes(32);
        keys.put("dk-spec", material);
        RecordId id = RecordId.random();
        byte[] salt = Spec.uuidBytes(id);
        byte[] iv = randomBytes(12);
        byte[] ct = Spec.gcm(Cipher.ENCRYPT_MODE, Spec.hkdf32(material, salt, "cryptopipe/v1/enc"), iv, Spec.aad(id), SECRET);
        byte[] c = Spec.hkdf32(material, salt, "cryptopipe/v1/commit");

        assertArrayEquals(SECRET, aead.open(new SealedRecord(1, "dk-spec", iv, ct, c), id));
    }

    // ---- helpers ------------------------------------------------------------------------

    private void assertRefused(SealedRecord sealed, RecordId id) {
        IntegrityException e = assertThrows(IntegrityException.class, () -> aead.open(sealed, id));
        assertFalse(e.getMessage().contains(SECRET_TEXT), "an integrity error must not carry plaintext");
        assertEquals(500, e.status());
        assertEquals("INTEGRITY_FAILURE", e.code());
    }

    private static SealedRecord with(SealedRecord sealed, byte[] iv, byte[] ciphertext, byte[] commitment) {
        return new SealedRecord(sealed.version(), sealed.dataKeyId(), iv, ciphertext, commitment);
    }

    private byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    /** DESIGN.md "Crypto format (version 1)", written out without the production classes. */
    static final class Spec {
        private Spec() {
        }

        static byte[] uuidBytes(RecordId id) {
            UUID uuid = UUID.fromString(id.toString());
            return ByteBuffer.allocate(16)
                    .putLong(uuid.getMostSignificantBits())
                    .putLong(uuid.getLeastSignificantBits())
                    .array();
        }

        /** HKDF-SHA256 for a 32-byte output: one expand block, T(1) = HMAC(PRK, info || 0x01). */
        static byte[] hkdf32(byte[] ikm, byte[] salt, String info) throws GeneralSecurityException {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salt, "HmacSHA256"));
            byte[] prk = mac.doFinal(ikm);
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            mac.update(info.getBytes(US_ASCII));
            mac.update((byte) 0x01);
            return mac.doFinal();
        }

        static byte[] aad(RecordId id) {
            return ("cryptopipe/v1/" + id).getBytes(US_ASCII);
        }

        static byte[] gcm(int mode, byte[] key, byte[] iv, byte[] aad, byte[] input) throws GeneralSecurityException {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
            cipher.updateAAD(aad);
            return cipher.doFinal(input);
        }
    }
}
