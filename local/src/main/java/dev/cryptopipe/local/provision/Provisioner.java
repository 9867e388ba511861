package dev.cryptopipe.local.provision;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.NotFoundException;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.StateMachineListItem;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * Creates the stack's resources in the emulator from template.yaml's values. Idempotent:
 * what exists is reused (and brought in line with the template), never recreated, so
 * starting again against the same emulator loses nothing.
 */
public final class Provisioner {
    public static final String KEY_ALIAS = "DataKeyAlias";
    public static final String REQUEST_QUEUE = "RequestQueue";
    public static final String DEAD_LETTER_QUEUE = "RequestDeadLetterQueue";
    public static final String RECORDS_TABLE = "RecordsTable";
    public static final String DATAKEYS_TABLE = "DataKeysTable";
    public static final String EVENT_BUS = "EventBus";
    public static final String SUBSCRIBER_QUEUE = "RecordStoredQueue";
    public static final String SUBSCRIBER_RULE = "RecordStoredRule";
    public static final String REKEY_STATE_MACHINE = "RekeyStateMachine";
    /** Moto accepts any role; on AWS the template creates a least-privilege one. */
    private static final String LOCAL_ROLE_ARN = "arn:aws:iam::123456789012:role/cryptopipe-local";

    private final Template template;
    private final KmsClient kms;
    private final SqsClient sqs;
    private final DynamoDbClient dynamo;
    private final EventBridgeClient events;
    private final SfnClient sfn;

    public Provisioner(Template template, KmsClient kms, SqsClient sqs, DynamoDbClient dynamo,
                       EventBridgeClient events, SfnClient sfn) {
        this.template = template;
        this.kms = kms;
        this.sqs = sqs;
        this.dynamo = dynamo;
        this.events = events;
        this.sfn = sfn;
    }

    public Resources provision() {
        String alias = template.string(KEY_ALIAS, "AliasName");
        String keyArn = ensureKey(alias);
        String dlqUrl = ensureQueue(template.string(DEAD_LETTER_QUEUE, "QueueName"), queueAttributes(DEAD_LETTER_QUEUE));
        int maxReceiveCount = Integer.parseInt(template.resolve(
                template.properties(REQUEST_QUEUE).path("RedrivePolicy").path("maxReceiveCount").asText()));
        Map<QueueAttributeName, String> requestAttributes = new java.util.HashMap<>(queueAttributes(REQUEST_QUEUE));
        requestAttributes.put(QueueAttributeName.REDRIVE_POLICY, Json.MAPPER.createObjectNode()
                .put("deadLetterTargetArn", queueArn(dlqUrl))
                .put("maxReceiveCount", maxReceiveCount)
                .toString());
        String requestUrl = ensureQueue(template.string(REQUEST_QUEUE, "QueueName"), requestAttributes);
        String recordsTable = ensureTable(RECORDS_TABLE);
        String dataKeysTable = ensureTable(DATAKEYS_TABLE);
        String busName = ensureBus();
        String subscriberUrl = ensureSubscriber(busName);
        String stateMachineArn = ensureStateMachine(dataKeysTable, alias);
        return new Resources(alias, keyArn, requestUrl, queueArn(requestUrl), dlqUrl, maxReceiveCount,
                recordsTable, dataKeysTable, busName, subscriberUrl, stateMachineArn);
    }

    private String ensureKey(String alias) {
        try {
            return kms.describeKey(describe -> describe.keyId(alias)).keyMetadata().arn();
        } catch (NotFoundException missing) {
            String keyArn = kms.createKey(create -> create.description("cryptopipe data-key wrapping key (local)"))
                    .keyMetadata().arn();
            kms.enableKeyRotation(rotation -> rotation.keyId(keyArn));
            kms.createAlias(create -> create.aliasName(alias).targetKeyId(keyArn));
            return keyArn;
        }
    }

    /** The template's queue settings that matter locally: retention and visibility timeout. */
    private Map<QueueAttributeName, String> queueAttributes(String logicalId) {
        Map<QueueAttributeName, String> attributes = new java.util.HashMap<>();
        template.optionalString(logicalId, "MessageRetentionPeriod")
                .ifPresent(value -> attributes.put(QueueAttributeName.MESSAGE_RETENTION_PERIOD, value));
        template.optionalString(logicalId, "VisibilityTimeout")
                .ifPresent(value -> attributes.put(QueueAttributeName.VISIBILITY_TIMEOUT, value));
        return attributes;
    }

    private String ensureQueue(String name, Map<QueueAttributeName, String> attributes) {
        try {
            String url = sqs.getQueueUrl(get -> get.queueName(name)).queueUrl();
            if (!attributes.isEmpty()) {
                sqs.setQueueAttributes(set -> set.queueUrl(url).attributes(attributes));
            }
            return url;
        } catch (QueueDoesNotExistException missing) {
            return sqs.createQueue(create -> create.queueName(name).attributes(attributes)).queueUrl();
        }
    }

    public String queueArn(String queueUrl) {
        return sqs.getQueueAttributes(get -> get.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    private String ensureTable(String logicalId) {
        String name = template.string(logicalId, "TableName");
        try {
            dynamo.describeTable(describe -> describe.tableName(name));
            return name;
        } catch (ResourceNotFoundException missing) {
            JsonNode properties = template.properties(logicalId);
            List<KeySchemaElement> keys = new ArrayList<>();
            properties.path("KeySchema").forEach(key -> keys.add(KeySchemaElement.builder()
                    .attributeName(key.path("AttributeName").asText())
                    .keyType(key.path("KeyType").asText())
                    .build()));
            List<AttributeDefinition> attributes = new ArrayList<>();
            properties.path("AttributeDefinitions").forEach(attribute -> attributes.add(AttributeDefinition.builder()
                    .attributeName(attribute.path("AttributeName").asText())
                    .attributeType(attribute.path("AttributeType").asText())
                    .build()));
            dynamo.createTable(create -> create.tableName(name)
                    .keySchema(keys)
                    .attributeDefinitions(attributes)
                    .billingMode(BillingMode.PAY_PER_REQUEST));
            dynamo.waiter().waitUntilTableExists(describe -> describe.tableName(name));
            return name;
        }
    }

    private String ensureBus() {
        String name = template.string(EVENT_BUS, "Name");
        try {
            events.describeEventBus(describe -> describe.name(name));
        } catch (software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException missing) {
            events.createEventBus(create -> create.name(name));
        }
        return name;
    }

    /** The example subscriber: a rule for RecordStored delivering to its own queue. */
    private String ensureSubscriber(String busName) {
        String queueUrl = ensureQueue(template.string(SUBSCRIBER_QUEUE, "QueueName"), Map.of());
        String ruleName = template.string(SUBSCRIBER_RULE, "Name");
        String pattern = template.properties(SUBSCRIBER_RULE).path("EventPattern").toString();
        events.putRule(rule -> rule.name(ruleName).eventBusName(busName).eventPattern(pattern));
        String targetArn = queueArn(queueUrl);
        events.putTargets(targets -> targets.rule(ruleName).eventBusName(busName)
                .targets(target -> target.id("subscriber-queue").arn(targetArn)));
        return queueUrl;
    }

    private String ensureStateMachine(String dataKeysTable, String alias) {
        String name = template.string(REKEY_STATE_MACHINE, "Name");
        Path definitionFile = template.directory().resolve(template.string(REKEY_STATE_MACHINE, "DefinitionUri"));
        String definition;
        try {
            definition = Files.readString(definitionFile)
                    .replace("${DataKeysTable}", dataKeysTable)
                    .replace("${KeyAlias}", alias);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + definitionFile, e);
        }
        for (StateMachineListItem machine : sfn.listStateMachinesPaginator(list -> { }).stateMachines()) {
            if (machine.name().equals(name)) {
                sfn.updateStateMachine(update -> update.stateMachineArn(machine.stateMachineArn()).definition(definition));
                return machine.stateMachineArn();
            }
        }
        return sfn.createStateMachine(create -> create.name(name).definition(definition).roleArn(LOCAL_ROLE_ARN))
                .stateMachineArn();
    }
}
