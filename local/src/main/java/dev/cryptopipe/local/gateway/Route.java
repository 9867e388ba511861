package dev.cryptopipe.local.gateway;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** One API route, such as {@code GET /records/{uuid}}, and the function that serves it. */
public record Route(
        String method,
        String resource,
        String functionName,
        RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler) {

    /** The path parameters if {@code path} matches this route's template. */
    public Optional<Map<String, String>> match(String path) {
        String[] template = resource.split("/", -1);
        String[] actual = path.split("/", -1);
        if (template.length != actual.length) {
            return Optional.empty();
        }
        Map<String, String> parameters = new HashMap<>();
        for (int i = 0; i < template.length; i++) {
            String part = template[i];
            if (part.startsWith("{") && part.endsWith("}")) {
                if (actual[i].isEmpty()) {
                    return Optional.empty();
                }
                parameters.put(part.substring(1, part.length() - 1), actual[i]);
            } else if (!part.equals(actual[i])) {
                return Optional.empty();
            }
        }
        return Optional.of(parameters);
    }
}
