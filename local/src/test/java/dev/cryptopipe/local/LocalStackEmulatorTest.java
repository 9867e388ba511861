package dev.cryptopipe.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cryptopipe.local.emulator.Emulator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.localstack.LocalStackContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** The extension's Docker path: the pinned LocalStack image serves a real SQS round trip. */
class LocalStackEmulatorTest {

    @Test
    void sqsRoundTripOnLocalStack() {
        Optional<String> skip = EmulatorExtension.dockerUnavailableReason()
                .map(reason -> "no Docker engine reachable: " + reason);
        // Surefire's console names a skipped test but not why; this line does.
        skip.ifPresent(reason -> System.out.println(getClass().getSimpleName() + " skipped: " + reason));
        assumeTrue(skip.isEmpty(), skip::orElseThrow);

        try (LocalStackContainer localStack = EmulatorExtension.startLocalStack();
                Emulator emulator = Emulator.attach(localStack.getEndpoint());
                SqsClient sqs = SqsClient.builder()
                        .endpointOverride(emulator.endpoint())
                        .region(Region.of(localStack.getRegion()))
                        .credentialsProvider(StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(localStack.getAccessKey(), localStack.getSecretKey())))
                        .httpClient(UrlConnectionHttpClient.create())
                        .build()) {
            assertFalse(emulator.isMoto());

            String queueUrl = sqs.createQueue(b -> b.queueName("localstack-test")).queueUrl();
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("hello"));
            List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(5)).messages();
            assertEquals(List.of("hello"), messages.stream().map(Message::body).toList());
        }
    }
}
