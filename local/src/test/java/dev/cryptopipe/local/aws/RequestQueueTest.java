package dev.cryptopipe.local.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cryptopipe.aws.RequestQueue;
import dev.cryptopipe.aws.RequestQueue.SendResult;
import dev.cryptopipe.core.EncryptRequest;
import dev.cryptopipe.core.Limits;
import dev.cryptopipe.core.RecordId;
import dev.cryptopipe.core.RequestMessages;
import dev.cryptopipe.local.EmulatorExtension;
import dev.cryptopipe.local.emulator.Emulator;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** {@link RequestQueue} against a real SQS API: what is sent is what a worker receives. */
@ExtendWith(EmulatorExtension.class)
class RequestQueueTest {
    private static final Limits LIMITS = new Limits(Limits.DEFAULT_MAX_PLAINTEXT_BYTES);

    private static AwsResources aws;
    private static String queueUrl;
    private static RequestQueue queue;

    private static int queues;

    @BeforeAll
    static void createClients(Emulator emulator) {
        aws = new AwsResources();
    }

    /** A queue per test: what one test leaves behind never shows up in another's. */
    @BeforeEach
    void createQueue() {
        queueUrl = aws.queue("cryptopipe-it-requests-" + ++queues);
        queue = new RequestQueue(aws.sqs, queueUrl);
    }

    @AfterAll
    static void removeQueues() {
        aws.close();
    }

    @Test
    void sentRequestIsReceivedAndDecodesToTheSameRequest() {
        EncryptRequest sent = new EncryptRequest(RecordId.random(), "secret ✓ Grüße 𝄞 " + aws.suffix,
                Optional.of("order-" + aws.suffix), Instant.parse("2025-01-02T03:04:05.123456789Z"));

        String messageId = queue.send(sent);

        Message received = receiveOne();
        assertEquals(messageId, received.messageId(), "send returns the id SQS gave the message");
        assertEquals(RequestMessages.encode(sent), received.body(), "the body is the encoded request, unchanged");
        EncryptRequest decoded = RequestMessages.decode(received.body(), LIMITS);
        assertEquals(sent.id(), decoded.id());
        assertEquals(sent.ref(), decoded.ref());
        assertEquals(sent.acceptedAt(), decoded.acceptedAt());
        // Compared without ever printing it: a failure names the field only.
        assertTrue(sent.plaintext().equals(decoded.plaintext()), "the plaintext did not survive the queue");
    }

    @Test
    void requestWithoutRefStaysWithoutRef() {
        EncryptRequest sent = new EncryptRequest(RecordId.random(), "", Optional.empty(), Instant.now());

        String messageId = queue.send(sent);

        Message received = receiveOne();
        assertEquals(messageId, received.messageId());
        EncryptRequest decoded = RequestMessages.decode(received.body(), LIMITS);
        assertEquals(sent.id(), decoded.id());
        assertEquals(Optional.empty(), decoded.ref());
        assertTrue(decoded.plaintext().isEmpty(), "the empty plaintext did not survive the queue");
    }

    @Test
    void preEncodedBodyIsSentAsIs() {
        String body = "{\"v\": 1, \"uuid\": \"" + RecordId.random() + "\", \"plaintext\": \"p\"}";

        String messageId = queue.send(body);

        Message received = receiveOne();
        assertEquals(messageId, received.messageId());
        assertEquals(body, received.body());
    }

    @Test
    void batchOfTwentyFiveIsQueuedInCallsSqsAcceptsAndInOrder() {
        List<String> bodies = IntStream.range(0, 25)
                .mapToObj(i -> RequestMessages.encode(new EncryptRequest(RecordId.random(), "batch secret " + i,
                        Optional.of("batch-" + i), Instant.now())))
                .toList();

        List<SendResult> results = queue.sendBatch(bodies);

        assertEquals(25, results.size());
        for (SendResult result : results) {
            assertTrue(result.queued(), "every body is queued");
            // SQS refuses SendMessageBatch calls of more than 10 entries; nothing needed a second try.
            assertFalse(result.retriedAlone(), "a body had to be sent alone after its batch call failed");
        }
        List<Message> received = aws.receiveUntil(queueUrl, messages -> messages.size() >= 25);
        Map<String, String> bodyById = received.stream().collect(Collectors.toMap(Message::messageId, Message::body));
        assertEquals(25, bodyById.size(), "the 25 messages arrive");
        for (int i = 0; i < 25; i++) {
            assertTrue(bodies.get(i).equals(bodyById.get(results.get(i).messageId())),
                    "result " + i + " does not name the message holding body " + i);
        }
    }

    @Test
    void aBodySqsRefusesFailsAloneAndTheOthersAreQueued() {
        String smallQueueUrl = aws.queue("cryptopipe-it-small", Map.of(QueueAttributeName.MAXIMUM_MESSAGE_SIZE, "1024"));
        RequestQueue small = new RequestQueue(aws.sqs, smallQueueUrl);
        List<String> bodies = List.of("first " + aws.suffix, "y".repeat(2_000), "third " + aws.suffix);

        List<SendResult> results = small.sendBatch(bodies);

        assertTrue(results.get(0).queued());
        assertTrue(results.get(2).queued());
        assertFalse(results.get(1).queued(), "SQS takes no body over the queue's maximum size");
        assertTrue(results.get(1).failure() != null, "the refused body carries its failure");
        List<Message> received = aws.receiveUntil(smallQueueUrl, messages -> messages.size() >= 2);
        assertEquals(Set.of(bodies.get(0), bodies.get(2)), received.stream().map(Message::body).collect(Collectors.toSet()));
        assertEquals(Set.of(results.get(0).messageId(), results.get(2).messageId()),
                received.stream().map(Message::messageId).collect(Collectors.toSet()));
    }

    private static Message receiveOne() {
        List<Message> received = aws.receiveUntil(queueUrl, messages -> !messages.isEmpty());
        assertEquals(1, received.size(), "exactly the one message sent arrives");
        return received.getFirst();
    }
}
