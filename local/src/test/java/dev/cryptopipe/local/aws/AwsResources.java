package dev.cryptopipe.local.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.aws.SdkClients;
import dev.cryptopipe.core.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Real SDK clients against the run's emulator and the uniquely named resources one test class
 * creates with them. The emulator is shared by every class of the run and never reset, so each
 * class names its resources with a random suffix and removes them again on {@link #close()}.
 */
final class AwsResources implements AutoCloseable {
    /** Long enough for any emulator; polling returns as soon as the condition holds. */
    static final Duration DELIVERY_DEADLINE = Duration.ofSeconds(30);

    final String suffix = HexFormat.of().formatHex(randomBytes(6));
    final SqsClient sqs = SdkClients.build(SqsClient.builder());
    final DynamoDbClient dynamo = SdkClients.build(DynamoDbClient.builder());
    final KmsClient kms = SdkClients.build(KmsClient.builder());
    final EventBridgeClient events = SdkClients.build(EventBridgeClient.builder());

    private final Deque<Runnable> cleanups = new ArrayDeque<>();

    /** {@code prefix-suffix}: unique in the shared emulator. */
    String name(String prefix) {
        return prefix + "-" + suffix;
    }

    /** A table keyed by one string attribute, as the template's records and datakeys tables. */
    String table(String prefix, String hashKey) {
        String name = name(prefix);
        dynamo.createTable(create -> create.tableName(name)
                .keySchema(KeySchemaElement.builder().attributeName(hashKey).keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder()
                        .attributeName(hashKey).attributeType(ScalarAttributeType.S).build())
                .billingMode(BillingMode.PAY_PER_REQUEST));
        dynamo.waiter().waitUntilTableExists(describe -> describe.tableName(name));
        cleanups.push(() -> dynamo.deleteTable(delete -> delete.tableName(name)));
        return name;
    }

    /** A standard queue that EventBridge may deliver to; returns its URL. */
    String queue(String prefix) {
        return queue(prefix, Map.of());
    }

    /** A standard queue with these attributes that EventBridge may deliver to; returns its URL. */
    String queue(String prefix, Map<QueueAttributeName, String> attributes) {
        String name = name(prefix);
        String url = sqs.createQueue(create -> create.queueName(name).attributes(attributes)).queueUrl();
        cleanups.push(() -> sqs.deleteQueue(delete -> delete.queueUrl(url)));
        String arn = queueArn(url);
        // Needed on AWS; emulators accept it and ignore it.
        String policy = Json.MAPPER.createObjectNode().put("Version", "2012-10-17")
                .set("Statement", Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode()
                        .put("Effect", "Allow")
                        .put("Action", "sqs:SendMessage")
                        .put("Resource", arn)
                        .set("Principal", Json.MAPPER.createObjectNode().put("Service", "events.amazonaws.com"))))
                .toString();
        sqs.setQueueAttributes(set -> set.queueUrl(url).attributes(Map.of(QueueAttributeName.POLICY, policy)));
        return url;
    }

    String queueArn(String queueUrl) {
        return sqs.getQueueAttributes(get -> get.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    /** A symmetric KMS key; returns its ARN. */
    String key() {
        String arn = kms.createKey(create -> create.description("cryptopipe integration test " + suffix))
                .keyMetadata().arn();
        cleanups.push(() -> kms.scheduleKeyDeletion(delete -> delete.keyId(arn).pendingWindowInDays(7)));
        return arn;
    }

    /** An alias such as the template's {@code alias/cryptopipe}, pointing at {@code keyArn}. */
    String alias(String keyArn) {
        String alias = "alias/" + name("cryptopipe-it");
        kms.createAlias(create -> create.aliasName(alias).targetKeyId(keyArn));
        cleanups.push(() -> kms.deleteAlias(delete -> delete.aliasName(alias)));
        return alias;
    }

    /** A custom event bus; returns its name. */
    String bus(String prefix) {
        String name = name(prefix);
        events.createEventBus(create -> create.name(name));
        cleanups.push(() -> events.deleteEventBus(delete -> delete.name(name)));
        return name;
    }

    /** A rule on {@code bus} with {@code pattern}, delivering to the queue at {@code queueUrl}. */
    void rule(String bus, String prefix, String pattern, String queueUrl) {
        String rule = name(prefix);
        String arn = queueArn(queueUrl);
        events.putRule(put -> put.name(rule).eventBusName(bus).eventPattern(pattern));
        events.putTargets(put -> put.rule(rule).eventBusName(bus).targets(target -> target.id("queue").arn(arn)));
        cleanups.push(() -> {
            events.removeTargets(remove -> remove.rule(rule).eventBusName(bus).ids("queue"));
            events.deleteRule(delete -> delete.name(rule).eventBusName(bus));
        });
    }

    /**
     * Receives (and deletes) messages from the queue until {@code done} holds for everything
     * received so far, or the deadline passes; returns what was received either way, so the
     * caller's assertions say what was missing.
     */
    List<Message> receiveUntil(String queueUrl, Predicate<List<Message>> done) {
        List<Message> received = new ArrayList<>();
        Instant deadline = Instant.now().plus(DELIVERY_DEADLINE);
        while (!done.test(received) && Instant.now().isBefore(deadline)) {
            List<Message> batch = sqs.receiveMessage(receive -> receive.queueUrl(queueUrl)
                    .maxNumberOfMessages(10)
                    .waitTimeSeconds(1)).messages();
            for (Message message : batch) {
                sqs.deleteMessage(delete -> delete.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            }
            received.addAll(batch);
        }
        return received;
    }

    /** The EventBridge event an SQS target received, as JSON. */
    static JsonNode event(Message message) {
        try {
            return Json.MAPPER.readTree(message.body());
        } catch (JsonProcessingException e) {
            throw new AssertionError("an EventBridge target message is JSON: " + message.messageId(), e);
        }
    }

    static List<JsonNode> events(List<Message> messages, String detailType) {
        return messages.stream().map(AwsResources::event)
                .filter(event -> detailType.equals(event.path("detail-type").asText()))
                .toList();
    }

    static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    /** Removes what this class created, newest first; a failed removal does not stop the rest. */
    @Override
    public void close() {
        while (!cleanups.isEmpty()) {
            try {
                cleanups.pop().run();
            } catch (RuntimeException ignored) {
                // Best effort: a leftover has a unique name and disturbs no other test.
            }
        }
        sqs.close();
        dynamo.close();
        kms.close();
        events.close();
    }
}
