package dev.cryptopipe.intake;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.api.ApiRequest;
import dev.cryptopipe.api.ApiResponses;
import dev.cryptopipe.api.JsonFields;
import dev.cryptopipe.config.IntakeConfig;
import dev.cryptopipe.config.Settings;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.service.Intake;
import java.util.Map;

/** {@code POST /encrypt}: validate, queue, answer 202 with the uuid at once. */
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
        return ApiResponses.handle(request, () -> switch (request.method() + " " + request.resource()) {
            case "POST /encrypt" -> encrypt(request);
            default -> throw ApiException.notFound("no route " + request.method() + " " + request.resource());
        });
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
}
