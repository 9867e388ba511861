package dev.cryptopipe.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.observe.Log;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkServiceException;
import java.util.function.Supplier;

/** Proxy responses: JSON, bare text, and the one error shape {@code {"error": {"code", "message"}}}. */
public final class ApiResponses {
    private static final Log LOG = Log.named("api");

    private ApiResponses() {
    }

    public static APIGatewayProxyResponseEvent json(int status, Object body) {
        try {
            return response(status, "application/json", Json.MAPPER.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response bodies are plain JSON values", e);
        }
    }

    public static APIGatewayProxyResponseEvent text(int status, String body) {
        return response(status, "text/plain; charset=utf-8", body);
    }

    public static APIGatewayProxyResponseEvent error(ApiException error) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("error").put("code", error.code()).put("message", error.getMessage());
        return json(error.status(), body);
    }

    /**
     * Runs a route and maps failures: an {@link ApiException} to its own status, anything else
     * to a 500 whose message reveals nothing of the request.
     */
    public static APIGatewayProxyResponseEvent handle(ApiRequest request, Supplier<APIGatewayProxyResponseEvent> route) {
        try {
            return route.get();
        } catch (ApiException e) {
            if (e.status() >= 500) {
                LOG.error("request.failed", Map.of("requestId", request.requestId(), "code", e.code(), "reason", e.getMessage()));
            }
            return error(e);
        } catch (SdkServiceException e) {
            if (e.isThrottlingException()) {
                return error(new ApiException(429, "THROTTLED", "too many requests; retry with backoff"));
            }
            LOG.error("request.failed", Map.of("requestId", request.requestId(), "exception", e.getClass().getName()));
            return error(new ApiException(503, "UNAVAILABLE", "a backing service failed; retry later"));
        } catch (RuntimeException e) {
            LOG.error("request.failed", Map.of("requestId", request.requestId(), "exception", e.getClass().getName()));
            return error(new ApiException(500, "INTERNAL", "the request could not be completed; retry later"));
        }
    }

    private static APIGatewayProxyResponseEvent response(int status, String contentType, String body) {
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(status)
                .withHeaders(Map.of("Content-Type", contentType))
                .withBody(body);
    }
}
