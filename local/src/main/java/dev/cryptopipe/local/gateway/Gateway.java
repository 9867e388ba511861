package dev.cryptopipe.local.gateway;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.local.LocalContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;

/**
 * The local stand-in for API Gateway's REST API: turns each HTTP request into a proxy event
 * for the handler of its route and the handler's proxy response back into HTTP.
 */
public final class Gateway implements AutoCloseable {
    /** API Gateway refuses payloads over 10 MB. */
    static final int MAX_BODY_BYTES = 10 * 1024 * 1024;
    private static final Duration FUNCTION_TIMEOUT = Duration.ofSeconds(30);

    private final HttpServer server;
    private final List<Route> routes;

    private Gateway(HttpServer server, List<Route> routes) {
        this.server = server;
        this.routes = List.copyOf(routes);
    }

    /** Starts serving on 127.0.0.1:{@code port}; port 0 picks a free one. */
    public static Gateway start(int port, List<Route> routes) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        Gateway gateway = new Gateway(server, routes);
        server.createContext("/", gateway::serve);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return gateway;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public List<Route> routes() {
        return routes;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            List<String> allowed = new ArrayList<>();
            for (Route route : routes) {
                Optional<Map<String, String>> parameters = route.match(path);
                if (parameters.isEmpty()) {
                    continue;
                }
                if (!route.method().equalsIgnoreCase(method)) {
                    allowed.add(route.method());
                    continue;
                }
                byte[] body = readBody(exchange.getRequestBody());
                if (body == null) {
                    sendError(exchange, 413, "PAYLOAD_TOO_LARGE", "the request body is larger than 10 MB");
                    return;
                }
                APIGatewayProxyResponseEvent response = route.handler().handleRequest(
                        event(exchange, route, parameters.get(), body),
                        new LocalContext(route.functionName(), FUNCTION_TIMEOUT));
                send(exchange, response);
                return;
            }
            if (!allowed.isEmpty()) {
                exchange.getResponseHeaders().add("Allow", String.join(", ", allowed));
                sendError(exchange, 405, "METHOD_NOT_ALLOWED", method + " is not allowed on " + path);
            } else {
                sendError(exchange, 404, "NOT_FOUND", "no route " + method + " " + path);
            }
        } catch (RuntimeException e) {
            // A handler that throws is a Lambda error; API Gateway answers 502 with no detail.
            sendError(exchange, 502, "BAD_GATEWAY", "the function failed");
        }
    }

    private static APIGatewayProxyRequestEvent event(HttpExchange exchange, Route route, Map<String, String> pathParameters, byte[] body) {
        Map<String, String> headers = new HashMap<>();
        Map<String, List<String>> multiValueHeaders = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> {
            headers.put(name, values.get(values.size() - 1));
            multiValueHeaders.put(name, List.copyOf(values));
        });
        APIGatewayProxyRequestEvent.RequestIdentity identity = new APIGatewayProxyRequestEvent.RequestIdentity()
                .withSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress());
        APIGatewayProxyRequestEvent.ProxyRequestContext context = new APIGatewayProxyRequestEvent.ProxyRequestContext()
                .withRequestId(UUID.randomUUID().toString())
                .withStage("prod")
                .withHttpMethod(route.method())
                .withResourcePath(route.resource())
                .withPath("/prod" + exchange.getRequestURI().getPath())
                .withIdentity(identity);
        return new APIGatewayProxyRequestEvent()
                .withHttpMethod(route.method())
                .withResource(route.resource())
                .withPath(exchange.getRequestURI().getPath())
                .withPathParameters(pathParameters.isEmpty() ? null : pathParameters)
                .withQueryStringParameters(query(exchange.getRequestURI().getRawQuery()))
                .withHeaders(headers)
                .withMultiValueHeaders(multiValueHeaders)
                .withRequestContext(context)
                .withBody(body.length == 0 ? null : new String(body, StandardCharsets.UTF_8))
                .withIsBase64Encoded(false);
    }

    private static Map<String, String> query(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        Map<String, String> parameters = new HashMap<>();
        for (String pair : rawQuery.split("&")) {
            String[] parts = pair.split("=", 2);
            parameters.put(URLDecoder.decode(parts[0], StandardCharsets.UTF_8),
                    parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "");
        }
        return parameters;
    }

    /** Null when the body is over the limit. */
    private static byte[] readBody(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        return body.length > MAX_BODY_BYTES ? null : body;
    }

    private static void send(HttpExchange exchange, APIGatewayProxyResponseEvent response) throws IOException {
        if (response.getHeaders() != null) {
            response.getHeaders().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        }
        String body = response.getBody() == null ? "" : response.getBody();
        byte[] bytes = Boolean.TRUE.equals(response.getIsBase64Encoded())
                ? Base64.getDecoder().decode(body)
                : body.getBytes(StandardCharsets.UTF_8);
        write(exchange, response.getStatusCode() == null ? 200 : response.getStatusCode(), bytes);
    }

    private static void sendError(HttpExchange exchange, int status, String code, String message) throws IOException {
        ObjectNode error = Json.MAPPER.createObjectNode();
        error.putObject("error").put("code", code).put("message", message);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        write(exchange, status, Json.MAPPER.writeValueAsBytes(error));
    }

    private static void write(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
