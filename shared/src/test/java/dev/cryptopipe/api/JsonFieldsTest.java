package dev.cryptopipe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.Json;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JsonFieldsTest {
    private static final JsonNode OBJECT = parse("{\"s\":\"text\",\"n\":42,\"z\":null,\"a\":[\"x\"]}");

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertBadRequest(String code, String field, org.junit.jupiter.api.function.Executable read) {
        ApiException e = assertThrows(ApiException.class, read);
        assertEquals(400, e.status());
        assertEquals(code, e.code());
        assertTrue(e.getMessage().contains(field), "the message names the field");
    }

    @Test
    void requiredStringReadsAStringAndNamesTheFieldOtherwise() {
        assertEquals("text", JsonFields.requiredString(OBJECT, "s"));
        assertBadRequest("MISSING_FIELD", "missing", () -> JsonFields.requiredString(OBJECT, "missing"));
        assertBadRequest("MISSING_FIELD", "z", () -> JsonFields.requiredString(OBJECT, "z"));
        assertBadRequest("INVALID_FIELD", "n", () -> JsonFields.requiredString(OBJECT, "n"));
        assertBadRequest("INVALID_FIELD", "a", () -> JsonFields.requiredString(OBJECT, "a"));
    }

    @Test
    void optionalStringTreatsAbsentAndNullAsEmpty() {
        assertEquals(Optional.of("text"), JsonFields.optionalString(OBJECT, "s"));
        assertEquals(Optional.empty(), JsonFields.optionalString(OBJECT, "missing"));
        assertEquals(Optional.empty(), JsonFields.optionalString(OBJECT, "z"));
        assertBadRequest("INVALID_FIELD", "n", () -> JsonFields.optionalString(OBJECT, "n"));
    }
}
