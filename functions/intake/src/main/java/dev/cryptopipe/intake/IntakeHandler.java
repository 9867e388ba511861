package dev.cryptopipe.intake;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.api.ApiRequest;
import dev.cryptopipe.api.ApiResponses;
import dev.cryptopipe.api.JsonFields;
import dev.cryptopipe.config.IntakeConfig;
import dev.cryptopipe.config.Settings;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.observe.Log;
import dev.cryptopipe.service.Intake;
import dev.cryptopipe.service.Intake.ItemResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /encrypt}: validate, queue, answer 202 with the uuid at once.
 * {@code POST /encrypt/batch}: the same for up to 100 items, each answered on its own, in order.
 */
public final class IntakeHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    /** Built at class init so SnapStart snapshots warm clients and a bad setting fails init. */
    private static final class Default {
        static final Intake INTAKE = Intake.fromConfig(IntakeConfig.from(Settings.fromEnvironment()));
    }

    private final Intake intake;

    public IntakeHandler() {
        this(Default.INTAKE);
    }

    public IntakeHandler(Intake intake) {
        this.intake = intake;
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        ApiRequest request = new ApiRequest(event);
        try (Log.Scope ignored = Log.context("requestId", request.requestId())) {
            return ApiResponses.handle(request, () -> switch (request.method() + " " + request.resource()) {
                case "POST /encrypt" -> encrypt(request);
                case "POST /encrypt/batch" -> encryptBatch(request);
                default -> throw ApiException.notFound("no route " + request.method() + " " + request.resource());
            });
        }
    }

    private APIGatewayProxyResponseEvent encrypt(ApiRequest request) {
        JsonNode body = request.jsonObjectBody();
        RecordId id = intake.accept(new Intake.Submission(
                JsonFields.requiredString(body, "plaintext"),
                JsonFields.optionalString(body, "ref"),
                request.header("Idempotency-Key"),
                request.callerIdentity()));
        return ApiResponses.json(202, Map.of("uuid", id.toString(), "status", "ACCEPTED"));
    }

    /**
     * Items that cannot be read (not an object, a field of the wrong type) get their own error;
     * the rest go to {@link Intake#acceptBatch}. Only a body that is not a batch at all (no
     * {@code items} array, none, or more than 100) fails as a whole.
     */
    private APIGatewayProxyResponseEvent encryptBatch(ApiRequest request) {
        JsonNode body = request.jsonObjectBody();
        JsonNode items = body.get("items");
        if (items == null || items.isNull()) {
            throw ApiException.badRequest("MISSING_FIELD", "items is required");
        }
        if (!items.isArray()) {
            throw ApiException.badRequest("INVALID_FIELD", "items must be an array");
        }
        if (items.isEmpty()) {
            throw ApiException.badRequest("INVALID_FIELD", "items must hold at least one item");
        }
        if (items.size() > Intake.MAX_BATCH_ITEMS) {
            throw new ApiException(413, "TOO_MANY_ITEMS", "a batch has at most " + Intake.MAX_BATCH_ITEMS
                    + " items; send more in several requests");
        }
        ItemResult[] results = new ItemResult[items.size()];
        List<Intake.Submission> submissions = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            try {
                if (!item.isObject()) {
                    throw ApiException.badRequest("INVALID_FIELD", "items[" + i + "] must be an object");
                }
                submissions.add(new Intake.Submission(
                        JsonFields.requiredString(item, "plaintext"),
                        JsonFields.optionalString(item, "ref"),
                        JsonFields.optionalString(item, "idempotencyKey"),
                        request.callerIdentity()));
                positions.add(i);
            } catch (ApiException e) {
                results[i] = ItemResult.refused(e);
            }
        }
        List<ItemResult> accepted = submissions.isEmpty() ? List.of() : intake.acceptBatch(submissions);
        for (int k = 0; k < accepted.size(); k++) {
            results[positions.get(k)] = accepted.get(k);
        }
        ObjectNode answer = Json.MAPPER.createObjectNode();
        ArrayNode list = answer.putArray("results");
        for (ItemResult result : results) {
            if (result.isAccepted()) {
                list.addObject().put("uuid", result.id().toString());
            } else {
                list.addObject().putObject("error")
                        .put("code", result.error().code())
                        .put("message", result.error().getMessage());
            }
        }
        return ApiResponses.json(202, answer);
    }
}
