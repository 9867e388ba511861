package dev.cryptopipe.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.emulator.MotoVenv;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/** The launcher against a moto it starts itself, whatever emulator the rest of the run uses. */
class EmulatorTest {

    private static final List<String> SDK_PROPERTIES =
            List.of("aws.endpointUrl", "aws.region", "aws.accessKeyId", "aws.secretAccessKey");
    private static final Map<String, String> savedProperties = new HashMap<>();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Emulator moto;

    @BeforeAll
    static void startMoto() {
        SDK_PROPERTIES.forEach(name -> savedProperties.put(name, System.getProperty(name)));
        moto = Emulator.startMoto();
        moto.applyToSdkSystemProperties();
    }

    @AfterAll
    static void stopMoto() {
        moto.close();
        savedProperties.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
    }

    @Test
    void startsMotoThatAnswers() throws Exception {
        assertTrue(moto.startedHere());
        assertTrue(moto.isMoto());
        assertEquals("127.0.0.1", moto.endpoint().getHost());
        assertEquals(200, status(moto.endpoint().resolve("/moto-api/")));
        assertTrue(Files.isRegularFile(moto.log().orElseThrow()));
    }

    @Test
    void sdkClientWithoutOverridesReachesMoto() {
        // No endpoint, region or credentials here: they come from applyToSdkSystemProperties.
        try (SqsClient sqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).build()) {
            String queueUrl = sqs.createQueue(b -> b.queueName("emulator-test-" + UUID.randomUUID())).queueUrl();
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("hello"));
            List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(1)).messages();
            assertEquals(List.of("hello"), messages.stream().map(Message::body).toList());
        }
    }

    @Test
    void resetForgetsEverything() {
        try (SqsClient sqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).build()) {
            String name = "emulator-reset-" + UUID.randomUUID();
            sqs.createQueue(b -> b.queueName(name));
            moto.reset();
            assertThrows(QueueDoesNotExistException.class, () -> sqs.getQueueUrl(b -> b.queueName(name)));
        }
    }

    @Test
    void runsStateMachinesOnceExecutionIsEnabled() throws Exception {
        moto.enableStepFunctionsExecution();
        try (SfnClient sfn = SfnClient.builder().httpClient(UrlConnectionHttpClient.create()).build()) {
            String stateMachine = sfn.createStateMachine(b -> b.name("emulator-test-" + UUID.randomUUID())
                    .roleArn("arn:aws:iam::123456789012:role/emulator-test")
                    .definition("""
                            {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": 1}, "End": true}}}
                            """)).stateMachineArn();
            String execution = sfn.startExecution(b -> b.stateMachineArn(stateMachine)).executionArn();
            // Without the setting moto leaves every execution RUNNING for ever.
            Instant deadline = Instant.now().plusSeconds(10);
            DescribeExecutionResponse described;
            do {
                Thread.sleep(50);
                described = sfn.describeExecution(b -> b.executionArn(execution));
            } while (described.status() == ExecutionStatus.RUNNING && Instant.now().isBefore(deadline));
            assertEquals(ExecutionStatus.SUCCEEDED, described.status());
            assertEquals("{\"ok\": 1}", described.output());
        }
    }

    @Test
    void secondStartReusesTheVenv() throws Exception {
        Path marker = MotoVenv.ensure().resolve(MotoVenv.MARKER);
        FileTime installed = Files.getLastModifiedTime(marker);
        try (Emulator second = Emulator.startMoto()) {
            assertNotEquals(moto.endpoint(), second.endpoint());
            assertEquals(200, status(second.endpoint().resolve("/moto-api/")));
        }
        assertEquals(installed, Files.getLastModifiedTime(marker));
    }

    @Test
    void closeStopsOnlyWhatItStarted() throws Exception {
        // aws.endpointUrl points at our moto (applyToSdkSystemProperties), so this attaches.
        Emulator attached = Emulator.startOrAttach();
        assertFalse(attached.startedHere());
        assertEquals(moto.endpoint(), attached.endpoint());
        attached.close();
        assertEquals(200, status(moto.endpoint().resolve("/moto-api/")));

        Emulator started = Emulator.startMoto();
        started.close();
        assertThrows(IOException.class, () -> status(started.endpoint().resolve("/moto-api/")));
    }

    @Test
    void resetRefusesAnEndpointThatIsNotMoto() throws Exception {
        HttpServer notMoto = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        notMoto.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        notMoto.start();
        try {
            Emulator attached = Emulator.attach(URI.create("http://127.0.0.1:" + notMoto.getAddress().getPort()));
            assertFalse(attached.isMoto());
            UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class, attached::reset);
            assertTrue(refused.getMessage().contains("not moto"), refused.getMessage());
        } finally {
            notMoto.stop(0);
        }
    }

    private static int status(URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
