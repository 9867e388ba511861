package dev.cryptopipe.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.provision.Template;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * functions/openapi.yaml is the contract of the local gateway too: against {@code ./cryptopipe up},
 * every documented route answers every documented status that can happen locally, with a body of
 * the documented media type and schema, and nothing undocumented is served (another path: 404;
 * another method on a documented path: 405 or 404; both with the JSON error shape).
 *
 * <p>Not tried here, because only AWS produces them: responses marked
 * {@code x-cryptopipe-aws-only} (403 from API Gateway's API key and SigV4 checks); 429, which
 * needs a usage plan, stage throttling or a throttled AWS service; and 5xx, which need a backing
 * service that fails (500 INTERNAL, 503 UNAVAILABLE) — a healthy emulator does not.
 */
@ExtendWith(EmulatorExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayContractIT {
    private static final Duration STARTUP = Duration.ofMinutes(3);
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    /** Methods tried on every path; HEAD is left out because its answer has no body to check. */
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    /** Unique per run, so finding it in the output can only mean the run printed a plaintext. */
    private final String secret = "GATEWAY CONTRACT " + UUID.randomUUID();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Path root = LocalProcess.repositoryRoot();
    private final ApiDocument api = ApiDocument.ofTemplate(root.resolve("template.yaml"));
    private final Template template = Template.read(root.resolve("template.yaml"), LocalPipeline.STACK_NAME);

    private LocalProcess up;
    private URI base;
    /** A record stored before the tests, for the 200 answers of the decrypt routes. */
    private String storedUuid;

    @BeforeAll
    void startPipelineAndStoreARecord(Emulator emulator) throws Exception {
        int port = LocalProcess.freePort();
        up = LocalProcess.up(emulator.endpoint(), port, Map.of(), STARTUP);
        base = URI.create("http://127.0.0.1:" + port);

        HttpResponse<String> accepted = send(json("POST", "/encrypt", plaintextBody(secret)));
        assertEquals(202, accepted.statusCode(), describe(accepted));
        storedUuid = Json.MAPPER.readTree(accepted.body()).path("uuid").asText();
        up.awaitLine(line -> line.startsWith("RecordStored") && line.contains("uuid=" + storedUuid), DELIVERY);
    }

    @AfterAll
    void stopPipeline() throws InterruptedException {
        if (up != null) {
            up.close();
            assertFalse(up.output().contains(secret), "a plaintext appeared in the output of ./cryptopipe up");
        }
    }

    // ---------------------------------------------------------------- documented responses -------

    /**
     * For each route, status and media type the document lists (and the local gateway can
     * produce), a request that should get exactly that answer. Keys: "POST /encrypt 413 application/json".
     */
    private Map<String, Supplier<HttpRequest>> scenarios() {
        int maxPlaintextBytes = Integer.parseInt(template.parameterDefault("MaxPlaintextBytes"));
        int maxBatchItems = api.schema("EncryptBatchRequest").path("properties").path("items").path("maxItems").asInt();
        String unknown = UUID.randomUUID().toString();
        Map<String, Supplier<HttpRequest>> scenarios = new LinkedHashMap<>();

        scenarios.put("POST /encrypt 202 application/json", () -> json("POST", "/encrypt", plaintextBody(secret + " single")));
        scenarios.put("POST /encrypt 400 application/json", () -> json("POST", "/encrypt", "{not json"));
        scenarios.put("POST /encrypt 413 application/json", () -> json("POST", "/encrypt", plaintextBody("a".repeat(maxPlaintextBytes + 1))));
        scenarios.put("POST /encrypt 415 application/json", () -> request("POST", "/encrypt", "plaintext=x", "application/x-www-form-urlencoded", null));

        scenarios.put("POST /encrypt/batch 202 application/json", () -> json("POST", "/encrypt/batch", batchOfOneGoodAndOneBadItem()));
        scenarios.put("POST /encrypt/batch 400 application/json", () -> json("POST", "/encrypt/batch", "{\"items\": \"not a list\"}"));
        scenarios.put("POST /encrypt/batch 413 application/json", () -> json("POST", "/encrypt/batch", batchOf(maxBatchItems + 1)));
        scenarios.put("POST /encrypt/batch 415 application/json", () -> request("POST", "/encrypt/batch", "{\"items\": []}", "text/plain", null));

        scenarios.put("POST /decrypt 200 application/json", () -> request("POST", "/decrypt", uuidBody(storedUuid), "application/json", "application/json"));
        scenarios.put("POST /decrypt 200 text/plain", () -> request("POST", "/decrypt", uuidBody(storedUuid), "application/json", "text/plain"));
        scenarios.put("POST /decrypt 400 application/json", () -> json("POST", "/decrypt", uuidBody("not-a-uuid")));
        scenarios.put("POST /decrypt 404 application/json", () -> json("POST", "/decrypt", uuidBody(unknown)));
        scenarios.put("POST /decrypt 415 application/json", () -> request("POST", "/decrypt", storedUuid, "text/plain", null));

        scenarios.put("GET /records/{uuid} 200 application/json", () -> request("GET", "/records/" + storedUuid, null, null, "application/json"));
        scenarios.put("GET /records/{uuid} 200 text/plain", () -> request("GET", "/records/" + storedUuid, null, null, "text/plain"));
        scenarios.put("GET /records/{uuid} 400 application/json", () -> request("GET", "/records/not-a-uuid", null, null, null));
        scenarios.put("GET /records/{uuid} 404 application/json", () -> request("GET", "/records/" + unknown, null, null, null));
        return scenarios;
    }

    /** Responses that only AWS produces (see the class comment). */
    private static boolean producedLocally(int status, JsonNode response) {
        return !response.path("x-cryptopipe-aws-only").asBoolean(false) && status != 429 && status < 500;
    }

    /** Every route × documented status × media type that the local gateway can produce. */
    private Map<String, DocumentedResponse> documented() {
        Map<String, DocumentedResponse> documented = new LinkedHashMap<>();
        for (ApiDocument.Operation operation : api.operations()) {
            api.responses(operation).forEach((status, response) -> {
                if (!producedLocally(status, response)) {
                    return;
                }
                assertTrue(response.path("content").size() > 0, operation.route() + " " + status + " documents no content");
                response.path("content").properties().forEach(media -> documented.put(
                        operation.route() + " " + status + " " + media.getKey(),
                        new DocumentedResponse(operation.route(), status, media.getKey(), media.getValue().path("schema"))));
            });
        }
        return documented;
    }

    private record DocumentedResponse(String route, int status, String mediaType, JsonNode schema) {
    }

    @Test
    void theDocumentCoversTheBatchRouteAndEveryScenarioIsADocumentedResponse() {
        Set<String> routes = new TreeSet<>();
        api.operations().forEach(operation -> routes.add(operation.route()));
        assertTrue(routes.contains("POST /encrypt/batch"), "functions/openapi.yaml documents POST /encrypt/batch: " + routes);
        Set<String> undocumented = new TreeSet<>(scenarios().keySet());
        undocumented.removeAll(documented().keySet());
        assertTrue(undocumented.isEmpty(), "the local gateway is tried for answers the document does not list: " + undocumented);
    }

    @TestFactory
    Stream<DynamicTest> everyDocumentedResponseIsProducedWithTheDocumentedBody() {
        Map<String, Supplier<HttpRequest>> scenarios = scenarios();
        return documented().entrySet().stream().map(entry -> DynamicTest.dynamicTest(entry.getKey(), () -> {
            DocumentedResponse expected = entry.getValue();
            Supplier<HttpRequest> scenario = scenarios.get(entry.getKey());
            if (scenario == null) {
                fail("no request in this test produces the documented " + entry.getKey() + ": add one to scenarios()");
            }
            HttpResponse<String> response = send(scenario.get());
            assertEquals(expected.status(), response.statusCode(), describe(response));
            assertEquals(expected.mediaType(), mediaType(response), "Content-Type of " + describe(response));
            if (expected.mediaType().equals("application/json")) {
                JsonNode body = Json.MAPPER.readTree(response.body());
                List<String> problems = api.problems(expected.schema(), body);
                assertTrue(problems.isEmpty(), "the body does not match the documented schema: " + problems + " in " + describe(response));
                checkMeaning(expected, body);
            } else {
                assertTrue(api.problems(expected.schema(), Json.MAPPER.getNodeFactory().textNode(response.body())).isEmpty());
                if (expected.status() == 200) {
                    assertTrue(secret.equals(response.body()), "text/plain answers the bare plaintext of the stored record");
                }
            }
        }));
    }

    /** What the schema cannot say: a 200 is the stored record, a batch answers each item in order. */
    private void checkMeaning(DocumentedResponse expected, JsonNode body) {
        if (expected.status() == 200) {
            assertEquals(storedUuid, body.path("uuid").asText());
            assertTrue(secret.equals(body.path("plaintext").asText()), "the answer holds the stored record's plaintext");
        }
        if (expected.route().equals("POST /encrypt/batch") && expected.status() == 202) {
            JsonNode results = body.path("results");
            assertEquals(2, results.size(), "one result per item");
            assertTrue(results.get(0).has("uuid") && !results.get(0).has("error"), "the good item is accepted: " + results.get(0));
            assertTrue(results.get(1).has("error") && !results.get(1).has("uuid"), "the bad item is refused: " + results.get(1));
            assertTrue(api.problems(api.schema("ErrorBody"), results.get(1).path("error")).isEmpty(), "the refusal is an ErrorBody");
        }
    }

    // ---------------------------------------------------------------- nothing else is served ------

    @Test
    void aDocumentedPathRefusesEveryUndocumentedMethodWithAJsonError() throws Exception {
        Map<String, Set<String>> methodsOfPath = new LinkedHashMap<>();
        api.operations().forEach(operation -> methodsOfPath.computeIfAbsent(operation.path(), path -> new LinkedHashSet<>()).add(operation.method()));
        List<String> problems = new ArrayList<>();
        int tried = 0;
        for (Map.Entry<String, Set<String>> path : methodsOfPath.entrySet()) {
            String concrete = path.getKey().replaceAll("\\{[^/}]+}", UUID.randomUUID().toString());
            for (String method : METHODS) {
                if (path.getValue().contains(method)) {
                    continue;
                }
                tried++;
                HttpResponse<String> response = send(request(method, concrete, "{}", "application/json", null));
                checkRefusal(method + " " + concrete, response, Set.of(404, 405), problems);
            }
        }
        assertTrue(tried > 0, "no undocumented method was tried");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void anUndocumentedPathIsNotFoundWithAJsonErrorWhateverTheMethod() throws Exception {
        Set<String> candidates = new LinkedHashSet<>(List.of("/", "/records", "/records/", "/prod", "/health", "/openapi.yaml"));
        for (String path : api.paths()) {
            String concrete = path.replaceAll("\\{[^/}]+}", UUID.randomUUID().toString());
            candidates.addAll(List.of(concrete + "/", concrete + "/extra", "/prod" + concrete, concrete.toUpperCase(Locale.ROOT), concrete + "s"));
        }
        List<String> problems = new ArrayList<>();
        int tried = 0;
        for (String candidate : candidates) {
            if (api.paths().stream().anyMatch(path -> matches(path, candidate))) {
                continue;
            }
            for (String method : METHODS) {
                tried++;
                checkRefusal(method + " " + candidate, send(request(method, candidate, "{}", "application/json", null)), Set.of(404), problems);
            }
        }
        assertTrue(tried > METHODS.size(), "hardly any undocumented path was tried");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private void checkRefusal(String what, HttpResponse<String> response, Set<Integer> statuses, List<String> problems) {
        if (!statuses.contains(response.statusCode())) {
            problems.add(what + ": expected " + statuses + ", got " + describe(response));
            return;
        }
        if (!"application/json".equals(mediaType(response))) {
            problems.add(what + ": the error is not JSON: " + describe(response));
            return;
        }
        try {
            List<String> wrong = api.problems(api.schema("Error"), Json.MAPPER.readTree(response.body()));
            if (!wrong.isEmpty()) {
                problems.add(what + ": the error does not match the Error schema " + wrong + ": " + describe(response));
            }
        } catch (IOException e) {
            problems.add(what + ": the error is not valid JSON: " + describe(response));
        }
    }

    /** Whether a concrete path matches a documented path template such as /records/{uuid}. */
    private static boolean matches(String template, String path) {
        String[] expected = template.split("/", -1);
        String[] actual = path.split("/", -1);
        if (expected.length != actual.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            boolean parameter = expected[i].startsWith("{") && expected[i].endsWith("}");
            if (parameter ? actual[i].isEmpty() : !expected[i].equals(actual[i])) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- requests --------------------

    private HttpRequest json(String method, String path, String body) {
        return request(method, path, body, "application/json", null);
    }

    private HttpRequest request(String method, String path, String body, String contentType, String accept) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        if (accept != null) {
            builder.header("Accept", accept);
        }
        return builder.build();
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String plaintextBody(String plaintext) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("plaintext", plaintext);
        return body.toString();
    }

    private static String uuidBody(String uuid) {
        return Json.MAPPER.createObjectNode().put("uuid", uuid).toString();
    }

    private String batchOfOneGoodAndOneBadItem() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode items = body.putArray("items");
        items.addObject().put("plaintext", secret + " batch").put("ref", "gateway-contract");
        items.addObject().put("plaintext", 42);
        return body.toString();
    }

    private static String batchOf(int count) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode items = body.putArray("items");
        for (int i = 0; i < count; i++) {
            items.addObject().put("plaintext", "item " + i);
        }
        return body.toString();
    }

    private static String mediaType(HttpResponse<String> response) {
        return response.headers().firstValue("Content-Type")
                .map(value -> value.split(";", 2)[0].trim().toLowerCase(Locale.ROOT))
                .orElse("");
    }

    /** A response for a failure message, with the test's plaintext blanked out. */
    private String describe(HttpResponse<String> response) {
        String body = response.body() == null ? "" : response.body().replace(secret, "<plaintext>");
        return response.request().method() + " " + response.uri().getPath() + " -> " + response.statusCode()
                + " " + response.headers().firstValue("Content-Type").orElse("(no Content-Type)") + " "
                + (body.length() > 300 ? body.substring(0, 300) + "…" : body);
    }
}
