package dev.cryptopipe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent.ProxyRequestContext;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent.RequestIdentity;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class ApiRequestTest {
    private static ApiRequest request(Map<String, String> headers, String body) {
        return new ApiRequest(new APIGatewayProxyRequestEvent().withHeaders(headers).withBody(body));
    }

    private static ApiRequest json(String body) {
        return request(Map.of("Content-Type", "application/json"), body);
    }

    private static void assertStatus(int status, String code, ApiRequest request) {
        ApiException e = assertThrows(ApiException.class, request::jsonObjectBody);
        assertEquals(status, e.status());
        assertEquals(code, e.code());
    }

    // ---- the JSON body ------------------------------------------------------------------

    @Test
    void aJsonObjectBodyIsParsed() {
        JsonNode body = json("{\"plaintext\":\"héllo\",\"ref\":\"r-1\"}").jsonObjectBody();

        assertTrue("héllo".equals(body.get("plaintext").textValue()), "plaintext field read");
        assertEquals("r-1", body.get("ref").textValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "application/json; charset=utf-8", "Application/JSON",
            "application/merge-patch+json"})
    void jsonContentTypesAreAccepted(String contentType) {
        assertTrue(request(Map.of("Content-Type", contentType), "{}").jsonObjectBody().isObject());
    }

    @Test
    void anAbsentContentTypeIsTreatedAsJson() {
        assertTrue(request(Map.of(), "{}").jsonObjectBody().isObject());
        assertTrue(request(null, "{}").jsonObjectBody().isObject());
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "application/jsonx", "text/json-ish"})
    void anotherContentTypeIs415(String contentType) {
        assertStatus(415, "UNSUPPORTED_MEDIA_TYPE", request(Map.of("Content-Type", contentType), "{}"));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   ", "\n"})
    void aMissingOrBlankBodyIsMissingBody(String body) {
        assertStatus(400, "MISSING_BODY", json(body));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"plaintext\":}", "not json", "{} {}", "{\"a\":1} trailing"})
    void malformedJsonIs400(String body) {
        assertStatus(400, "MALFORMED_JSON", json(body));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"plaintext\":\"a\"}]", "\"text\"", "42", "null", "true"})
    void aJsonBodyThatIsNotAnObjectIs400(String body) {
        assertStatus(400, "MALFORMED_JSON", json(body));
    }

    @Test
    void aBase64EncodedBodyIsDecoded() {
        String encoded = Base64.getEncoder().encodeToString("{\"plaintext\":\"日本語 🔐\"}".getBytes(StandardCharsets.UTF_8));
        ApiRequest request = new ApiRequest(new APIGatewayProxyRequestEvent()
                .withHeaders(Map.of("content-type", "application/json"))
                .withBody(encoded)
                .withIsBase64Encoded(true));

        assertTrue("日本語 🔐".equals(request.jsonObjectBody().get("plaintext").textValue()), "decoded as UTF-8");
    }

    @Test
    void aBodyThatIsNotBase64Is400() {
        ApiRequest request = new ApiRequest(new APIGatewayProxyRequestEvent().withBody("{not base64!}").withIsBase64Encoded(true));

        assertStatus(400, "MALFORMED_BODY", request);
    }

    @Test
    void aBase64EncodedBlankBodyIsMissingBody() {
        String encoded = Base64.getEncoder().encodeToString("  ".getBytes(StandardCharsets.UTF_8));

        assertStatus(400, "MISSING_BODY", new ApiRequest(new APIGatewayProxyRequestEvent().withBody(encoded).withIsBase64Encoded(true)));
    }

    @Test
    void aBodyNotMarkedBase64IsNotDecoded() {
        // "e30=" is base64 for "{}", but unmarked it is just an invalid JSON text.
        assertStatus(400, "MALFORMED_JSON", new ApiRequest(new APIGatewayProxyRequestEvent().withBody("e30=").withIsBase64Encoded(false)));
    }

    // ---- headers and request metadata --------------------------------------------------

    @Test
    void headerLookupsIgnoreCase() {
        ApiRequest request = request(Map.of("content-TYPE", "application/json", "X-Request-Thing", "v"), "{}");

        assertEquals(Optional.of("application/json"), request.header("Content-Type"));
        assertEquals(Optional.of("application/json"), request.header("CONTENT-TYPE"));
        assertEquals(Optional.of("v"), request.header("x-request-thing"));
        assertEquals(Optional.empty(), request.header("Accept"));
    }

    @Test
    void aHeaderWithANullValueIsAbsent() {
        Map<String, String> headers = new HashMap<>();
        headers.put("Accept", null);

        assertEquals(Optional.empty(), request(headers, "{}").header("accept"));
        assertEquals(Optional.empty(), request(null, "{}").header("accept"));
    }

    @Test
    void aContentTypeInAnyCaseIsChecked() {
        assertStatus(415, "UNSUPPORTED_MEDIA_TYPE", request(Map.of("content-type", "text/plain"), "{}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "TEXT/PLAIN", "text/plain; charset=utf-8", "text/plain;q=1.0, */*;q=0.1"})
    void acceptTextPlainAsksForTheBarePlaintext(String accept) {
        assertTrue(request(Map.of("accept", accept), null).acceptsPlainTextOnly());
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "*/*", "text/plain, application/json", "text/html"})
    void otherAcceptHeadersGetJson(String accept) {
        assertFalse(request(Map.of("Accept", accept), null).acceptsPlainTextOnly());
    }

    @Test
    void noAcceptHeaderGetsJson() {
        assertFalse(request(Map.of(), null).acceptsPlainTextOnly());
    }

    @Test
    void callerIdentityPrefersTheApiKeyThenTheIamPrincipal() {
        RequestIdentity both = new RequestIdentity().withApiKey("key-1").withUserArn("arn:aws:iam::1:user/a");
        RequestIdentity iamOnly = new RequestIdentity().withApiKey(" ").withUserArn("arn:aws:iam::1:user/a");

        assertEquals("apikey:key-1", withIdentity(both).callerIdentity());
        assertEquals("iam:arn:aws:iam::1:user/a", withIdentity(iamOnly).callerIdentity());
        assertEquals("anonymous", withIdentity(new RequestIdentity()).callerIdentity());
        assertEquals("anonymous", new ApiRequest(new APIGatewayProxyRequestEvent()).callerIdentity());
    }

    @Test
    void methodResourcePathParametersAndRequestId() {
        ApiRequest request = new ApiRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("get")
                .withResource("/records/{uuid}")
                .withPath("/records/123")
                .withPathParameters(Map.of("uuid", "123"))
                .withRequestContext(new ProxyRequestContext().withRequestId("req-1")));

        assertEquals("GET", request.method());
        assertEquals("/records/{uuid}", request.resource());
        assertEquals(Optional.of("123"), request.pathParameter("uuid"));
        assertEquals(Optional.empty(), request.pathParameter("other"));
        assertEquals("req-1", request.requestId());
        assertEquals("/decrypt", new ApiRequest(new APIGatewayProxyRequestEvent().withPath("/decrypt")).resource());
        assertEquals("", new ApiRequest(new APIGatewayProxyRequestEvent()).requestId());
    }

    private static ApiRequest withIdentity(RequestIdentity identity) {
        return new ApiRequest(new APIGatewayProxyRequestEvent()
                .withRequestContext(new ProxyRequestContext().withIdentity(identity)));
    }
}
