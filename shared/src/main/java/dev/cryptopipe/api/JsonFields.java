package dev.cryptopipe.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.ApiException;
import java.util.Optional;

/** Typed reads of request fields, each failing with a 400 that names the field. */
public final class JsonFields {
    private JsonFields() {
    }

    public static String requiredString(JsonNode object, String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            throw ApiException.badRequest("MISSING_FIELD", field + " is required");
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest("INVALID_FIELD", field + " must be a string");
        }
        return value.textValue();
    }

    public static Optional<String> optionalString(JsonNode object, String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest("INVALID_FIELD", field + " must be a string");
        }
        return Optional.of(value.textValue());
    }
}
