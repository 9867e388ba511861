package dev.cryptopipe.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LimitsTest {
    private static void assertTooLarge(Limits limits, String plaintext) {
        ApiException e = assertThrows(ApiException.class, () -> limits.checkPlaintext(plaintext));
        assertEquals(413, e.status());
        assertEquals("PAYLOAD_TOO_LARGE", e.code());
        assertFalse(e.getMessage().contains(plaintext), "the error must not echo the plaintext");
    }

    @Test
    void exactlyTheMaximumPassesAndOneByteMoreIs413() {
        Limits limits = new Limits(8);

        assertDoesNotThrow(() -> limits.checkPlaintext("12345678"));
        assertTooLarge(limits, "123456789");
        assertDoesNotThrow(() -> limits.checkPlaintext(""));
    }

    @Test
    void aFourByteEmojiCountsFour() {
        String emoji = "🔐"; // one code point, two UTF-16 chars, four UTF-8 bytes
        assertEquals(2, emoji.length());

        assertDoesNotThrow(() -> new Limits(4).checkPlaintext(emoji));
        assertTooLarge(new Limits(3), emoji);
        assertTooLarge(new Limits(4), emoji + "a");
    }

    @Test
    void multiByteCharactersCountTheirUtf8Bytes() {
        assertDoesNotThrow(() -> new Limits(2).checkPlaintext("é"));
        assertTooLarge(new Limits(1), "é");
        assertDoesNotThrow(() -> new Limits(3).checkPlaintext("日"));
        assertTooLarge(new Limits(2), "日");
        assertDoesNotThrow(() -> new Limits(3).checkPlaintext("✓"));
        assertTooLarge(new Limits(2), "✓");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "héllo wörld ✓ 🔐 日本語", "\u007f\u0080\u07ff\u0800\uffff", "𝄞𐍈🀄", "\u0000"})
    void utf8LengthAgreesWithTheEncoder(String text) {
        assertEquals(text.getBytes(UTF_8).length, Limits.utf8Length(text));
    }

    @Test
    void theDefaultIs128KiB() {
        Limits limits = new Limits(Limits.DEFAULT_MAX_PLAINTEXT_BYTES);

        assertDoesNotThrow(() -> limits.checkPlaintext("a".repeat(131_072)));
        assertTooLarge(limits, "a".repeat(131_073));
        assertTooLarge(limits, "é".repeat(65_537));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\ud83d", "a\udd10b", "\udd10\ud83d", "x\ufffe", "x\uffff"})
    void textWithoutAFaithfulUtf8FormIs400(String plaintext) {
        // An unpaired surrogate would be stored as '?': a wrong plaintext, so it is refused.
        ApiException e = assertThrows(ApiException.class, () -> new Limits(100).checkPlaintext(plaintext));

        assertEquals(400, e.status());
        assertEquals("INVALID_FIELD", e.code());
    }

    @Test
    void aPairedSurrogateIsAccepted() {
        assertDoesNotThrow(() -> new Limits(100).checkPlaintext("\ud83d\udd10 and \ud834\udd1e"));
    }

    @Test
    void theMaximumMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new Limits(0));
        assertThrows(IllegalArgumentException.class, () -> new Limits(-1));
    }

    @Test
    void refsAreOneTo256CharactersWithoutControlCharacters() {
        Limits limits = new Limits(10);
        assertDoesNotThrow(() -> limits.checkRef("r"));
        assertDoesNotThrow(() -> limits.checkRef("x".repeat(256)));

        for (String bad : new String[] {"", "x".repeat(257), "line\nbreak", "tab\there", "nul\u0000"}) {
            ApiException e = assertThrows(ApiException.class, () -> limits.checkRef(bad));
            assertEquals(400, e.status());
            assertEquals("INVALID_REF", e.code());
        }
    }
}
