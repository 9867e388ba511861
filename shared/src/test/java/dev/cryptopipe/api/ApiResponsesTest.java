package dev.cryptopipe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkServiceException;

class ApiResponsesTest {
    private static final ApiRequest REQUEST = new ApiRequest(new APIGatewayProxyRequestEvent());

    private static JsonNode body(APIGatewayProxyResponseEvent response) throws Exception {
        assertEquals("application/json", response.getHeaders().get("Content-Type"));
        return Json.MAPPER.readTree(response.getBody());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode assertError(APIGatewayProxyResponseEvent response, int status, String code) throws Exception {
        assertEquals(status, response.getStatusCode());
        JsonNode body = body(response);
        assertEquals(List.of("error"), fieldNames(body));
        JsonNode error = body.get("error");
        assertEquals(List.of("code", "message"), fieldNames(error));
        assertEquals(code, error.get("code").textValue());
        return error;
    }

    @Test
    void anErrorHasExactlyTheDocumentedShape() throws Exception {
        JsonNode error = assertError(ApiResponses.error(ApiException.notFound("no record with uuid x")), 404, "NOT_FOUND");

        assertEquals("no record with uuid x", error.get("message").textValue());
    }

    @Test
    void handleMapsAnApiExceptionToItsOwnStatus() throws Exception {
        APIGatewayProxyResponseEvent response = ApiResponses.handle(REQUEST, () -> {
            throw ApiException.tooLarge("plaintext is larger than 16 bytes (UTF-8)");
        });

        JsonNode error = assertError(response, 413, "PAYLOAD_TOO_LARGE");
        assertEquals("plaintext is larger than 16 bytes (UTF-8)", error.get("message").textValue());
        assertError(ApiResponses.handle(REQUEST, () -> {
            throw ApiException.badRequest("INVALID_UUID", "bad uuid");
        }), 400, "INVALID_UUID");
        assertError(ApiResponses.handle(REQUEST, () -> {
            throw ApiException.unsupportedMediaType("json please");
        }), 415, "UNSUPPORTED_MEDIA_TYPE");
    }

    @Test
    void handleMapsAnUnexpectedExceptionTo500WithoutEchoingIt() throws Exception {
        APIGatewayProxyResponseEvent response = ApiResponses.handle(REQUEST, () -> {
            throw new IllegalStateException("TOP-SECRET internal detail");
        });

        JsonNode error = assertError(response, 500, "INTERNAL");
        assertFalse(error.get("message").textValue().contains("TOP-SECRET"));
        assertFalse(response.getBody().contains("TOP-SECRET"), "the body must not echo the exception");
        assertFalse(response.getBody().contains("IllegalStateException"));
    }

    @Test
    void handleMapsAThrottledBackendTo429AndOtherBackendFailuresTo503() throws Exception {
        APIGatewayProxyResponseEvent throttled = ApiResponses.handle(REQUEST, () -> {
            throw SdkServiceException.builder().statusCode(429).message("TOP-SECRET slow down").build();
        });
        APIGatewayProxyResponseEvent failed = ApiResponses.handle(REQUEST, () -> {
            throw SdkServiceException.builder().statusCode(500).message("TOP-SECRET broke").build();
        });

        assertError(throttled, 429, "THROTTLED");
        assertError(failed, 503, "UNAVAILABLE");
        assertFalse(throttled.getBody().contains("TOP-SECRET"));
        assertFalse(failed.getBody().contains("TOP-SECRET"));
    }

    @Test
    void handlePassesASuccessfulResponseThrough() {
        APIGatewayProxyResponseEvent ok = ApiResponses.json(202, Map.of("uuid", "u", "status", "ACCEPTED"));

        assertSame(ok, ApiResponses.handle(REQUEST, () -> ok));
    }

    @Test
    void jsonAndTextResponsesCarryTheirContentType() throws Exception {
        APIGatewayProxyResponseEvent json = ApiResponses.json(202, Map.of("uuid", "u"));
        APIGatewayProxyResponseEvent text = ApiResponses.text(200, "héllo");

        assertEquals(202, json.getStatusCode());
        assertEquals("u", body(json).get("uuid").textValue());
        assertEquals(200, text.getStatusCode());
        assertEquals("text/plain; charset=utf-8", text.getHeaders().get("Content-Type"));
        assertTrue("héllo".equals(text.getBody()), "the bare plaintext is the body");
    }
}
