package dev.cryptopipe.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Read access to an API Gateway proxy request: headers without regard to case, and a JSON body. */
public final class ApiRequest {
    private final APIGatewayProxyRequestEvent event;

    public ApiRequest(APIGatewayProxyRequestEvent event) {
        this.event = event;
    }

    public String method() {
        return Optional.ofNullable(event.getHttpMethod()).orElse("").toUpperCase(Locale.ROOT);
    }

    /** The route template, such as {@code /records/{uuid}}; the path when no template is given. */
    public String resource() {
        return Optional.ofNullable(event.getResource()).orElse(Optional.ofNullable(event.getPath()).orElse(""));
    }

    public Optional<String> header(String name) {
        Map<String, String> headers = event.getHeaders();
        if (headers == null) {
            return Optional.empty();
        }
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase(name) && header.getValue() != null) {
                return Optional.of(header.getValue());
            }
        }
        return Optional.empty();
    }

    public Optional<String> pathParameter(String name) {
        Map<String, String> parameters = event.getPathParameters();
        return parameters == null ? Optional.empty() : Optional.ofNullable(parameters.get(name));
    }

    public String requestId() {
        var context = event.getRequestContext();
        return context == null || context.getRequestId() == null ? "" : context.getRequestId();
    }

    /**
     * Who is calling, for idempotency keys: the API key for producers, the IAM principal for
     * signed calls, "anonymous" where neither exists (the local gateway). It is only ever hashed
     * into a name-based uuid, never logged or returned.
     */
    public String callerIdentity() {
        var context = event.getRequestContext();
        var identity = context == null ? null : context.getIdentity();
        if (identity != null && identity.getApiKey() != null && !identity.getApiKey().isBlank()) {
            return "apikey:" + identity.getApiKey();
        }
        if (identity != null && identity.getUserArn() != null && !identity.getUserArn().isBlank()) {
            return "iam:" + identity.getUserArn();
        }
        return "anonymous";
    }

    /** True when the caller asked for the bare plaintext rather than JSON. */
    public boolean acceptsPlainTextOnly() {
        return header("Accept").map(accept -> accept.toLowerCase(Locale.ROOT))
                .map(accept -> accept.contains("text/plain") && !accept.contains("application/json"))
                .orElse(false);
    }

    /** The body as a JSON object, or a 4xx naming what is wrong with it. */
    public JsonNode jsonObjectBody() {
        Optional<String> contentType = header("Content-Type");
        if (contentType.isPresent() && !isJson(contentType.get())) {
            throw ApiException.unsupportedMediaType("send the body as JSON with Content-Type: application/json");
        }
        String body = event.getBody();
        if (body != null && Boolean.TRUE.equals(event.getIsBase64Encoded())) {
            try {
                body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("MALFORMED_BODY", "the body is not valid base64");
            }
        }
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("MISSING_BODY", "a JSON object body is required");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("MALFORMED_JSON", "the body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("MALFORMED_JSON", "the body must be a JSON object");
        }
        return node;
    }

    private static boolean isJson(String contentType) {
        String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return mediaType.equals("application/json") || mediaType.endsWith("+json");
    }
}
