package dev.cryptopipe.local.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.cryptopipe.api.ApiRequest;
import dev.cryptopipe.api.ApiResponses;
import dev.cryptopipe.api.JsonFields;
import dev.cryptopipe.core.RecordId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * The first, synchronous design, kept only for the benchmark: {@code POST /encrypt} answers
 * after KMS {@code Encrypt} of the plaintext and a {@code PutItem} of the ciphertext, one
 * record per request.
 */
final class BaselineHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    private final KmsClient kms;
    private final DynamoDbClient dynamo;
    private final String keyId;
    private final String table;

    BaselineHandler(KmsClient kms, DynamoDbClient dynamo, String keyId, String table) {
        this.kms = kms;
        this.dynamo = dynamo;
        this.keyId = keyId;
        this.table = table;
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        ApiRequest request = new ApiRequest(event);
        return ApiResponses.handle(request, () -> {
            String plaintext = JsonFields.requiredString(request.jsonObjectBody(), "plaintext");
            RecordId id = RecordId.random();
            SdkBytes ciphertext = kms.encrypt(encrypt -> encrypt
                    .keyId(keyId)
                    .plaintext(SdkBytes.fromString(plaintext, StandardCharsets.UTF_8))
                    .encryptionContext(Map.of("uuid", id.toString()))).ciphertextBlob();
            dynamo.putItem(put -> put
                    .tableName(table)
                    .item(Map.of(
                            "id", AttributeValue.fromS(id.toString()),
                            "ct", AttributeValue.fromB(ciphertext),
                            "createdAt", AttributeValue.fromS(Instant.now().toString())))
                    .conditionExpression("attribute_not_exists(id)"));
            return ApiResponses.json(200, Map.of("uuid", id.toString(), "status", "STORED"));
        });
    }
}
