package dev.cryptopipe.decrypt;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.cryptopipe.api.ApiRequest;
import dev.cryptopipe.api.ApiResponses;
import dev.cryptopipe.api.JsonFields;
import dev.cryptopipe.config.DecryptConfig;
import dev.cryptopipe.config.Settings;
import dev.cryptopipe.core.ApiException;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.service.RecordReader;
import dev.cryptopipe.service.RecordReader.DecryptedRecord;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code POST /decrypt} and {@code GET /records/{uuid}}: the plaintext as JSON, or bare with Accept: text/plain. */
public final class DecryptHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    /** Built at class init so SnapStart snapshots warm clients and a bad setting fails init. */
    private static final class Default {
        static final RecordReader READER = RecordReader.fromConfig(DecryptConfig.from(Settings.fromEnvironment()));
    }

    private final RecordReader reader;

    public DecryptHandler() {
        this(Default.READER);
    }

    public DecryptHandler(RecordReader reader) {
        this.reader = reader;
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        ApiRequest request = new ApiRequest(event);
        return ApiResponses.handle(request, () -> switch (request.method() + " " + request.resource()) {
            case "POST /decrypt" -> respond(request, RecordId.parse(JsonFields.requiredString(request.jsonObjectBody(), "uuid")));
            case "GET /records/{uuid}" -> respond(request, RecordId.parse(request.pathParameter("uuid").orElse(null)));
            default -> throw ApiException.notFound("no route " + request.method() + " " + request.resource());
        });
    }

    private APIGatewayProxyResponseEvent respond(ApiRequest request, RecordId id) {
        DecryptedRecord record = reader.read(id);
        if (request.acceptsPlainTextOnly()) {
            return ApiResponses.text(200, record.plaintext());
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("uuid", record.id().toString());
        body.put("plaintext", record.plaintext());
        record.ref().ifPresent(ref -> body.put("ref", ref));
        body.put("createdAt", record.createdAt().toString());
        return ApiResponses.json(200, body);
    }
}
