package dev.cryptopipe.local.provision;

/** What provisioning made (or found): the names and addresses the local pipeline runs on. */
public record Resources(
        String keyAlias,
        String keyArn,
        String requestQueueUrl,
        String requestQueueArn,
        String deadLetterQueueUrl,
        int maxReceiveCount,
        String recordsTable,
        String dataKeysTable,
        String eventBusName,
        String subscriberQueueUrl,
        String stateMachineArn) {
}
