package dev.cryptopipe.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Every client the functions build has bounded waits and the standard, throttling-aware retries. */
class SdkClientsTest {
    private static final List<Supplier<SdkClient>> CLIENTS = List.of(
            () -> SdkClients.build(KmsClient.builder().region(Region.US_EAST_1).credentialsProvider(AnonymousCredentialsProvider.create())),
            () -> SdkClients.build(SqsClient.builder().region(Region.US_EAST_1).credentialsProvider(AnonymousCredentialsProvider.create())),
            () -> SdkClients.build(DynamoDbClient.builder().region(Region.US_EAST_1).credentialsProvider(AnonymousCredentialsProvider.create())),
            () -> SdkClients.build(EventBridgeClient.builder().region(Region.US_EAST_1).credentialsProvider(AnonymousCredentialsProvider.create())));

    @Test
    void everyClientHasCallAndAttemptTimeoutsAndStandardRetries() {
        for (Supplier<SdkClient> build : CLIENTS) {
            try (SdkClient client = build.get()) {
                ClientOverrideConfiguration config = client.serviceClientConfiguration().overrideConfiguration();
                String name = client.serviceName();

                assertEquals(SdkClients.CALL_TIMEOUT, config.apiCallTimeout().orElseThrow(), name);
                assertEquals(SdkClients.ATTEMPT_TIMEOUT, config.apiCallAttemptTimeout().orElseThrow(), name);
                assertTrue(SdkClients.ATTEMPT_TIMEOUT.compareTo(SdkClients.CALL_TIMEOUT) < 0,
                        "an attempt ends before the call does, so a retry can still happen");
                RetryStrategy retry = config.retryStrategy().orElseThrow();
                assertEquals(SdkClients.MAX_ATTEMPTS, retry.maxAttempts(), name);
                assertTrue(retry.getClass().getName().contains("Standard"), name + " uses " + retry.getClass().getName());
            }
        }
    }

    @Test
    void socketAndConnectTimeoutsAreBounded() {
        assertTrue(SdkClients.CONNECT_TIMEOUT.compareTo(Duration.ZERO) > 0);
        assertTrue(SdkClients.SOCKET_TIMEOUT.compareTo(Duration.ZERO) > 0);
        assertTrue(SdkClients.SOCKET_TIMEOUT.compareTo(SdkClients.CALL_TIMEOUT) < 0);
    }
}
