package dev.cryptopipe.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * An in-memory SQS for the send side: records every call and the bodies that were really
 * queued; rules decide which batch entries fail, which batch calls fail and which single sends fail.
 */
public final class FakeSqs implements SqsClient {
    public final List<Integer> batchSizes = new ArrayList<>();
    public final List<String> singleSends = new ArrayList<>();
    public final List<String> queued = new ArrayList<>();
    public Predicate<String> failEntry = body -> false;
    public Predicate<List<String>> failBatchCall = bodies -> false;
    public Predicate<String> failSingle = body -> false;
    public boolean throttleSingle;

    @Override
    public String serviceName() {
        return "sqs";
    }

    @Override
    public void close() {
    }

    @Override
    public synchronized SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest request) {
        List<String> bodies = request.entries().stream().map(SendMessageBatchRequestEntry::messageBody).toList();
        batchSizes.add(bodies.size());
        if (failBatchCall.test(bodies)) {
            throw SqsException.builder().statusCode(500).message("injected batch failure").build();
        }
        List<SendMessageBatchResultEntry> ok = new ArrayList<>();
        List<BatchResultErrorEntry> failed = new ArrayList<>();
        for (SendMessageBatchRequestEntry entry : request.entries()) {
            if (failEntry.test(entry.messageBody())) {
                failed.add(BatchResultErrorEntry.builder().id(entry.id()).code("InternalError").senderFault(false).build());
            } else {
                queued.add(entry.messageBody());
                ok.add(SendMessageBatchResultEntry.builder().id(entry.id()).messageId(UUID.randomUUID().toString()).build());
            }
        }
        return SendMessageBatchResponse.builder().successful(ok).failed(failed).build();
    }

    @Override
    public synchronized SendMessageResponse sendMessage(SendMessageRequest request) {
        singleSends.add(request.messageBody());
        if (failSingle.test(request.messageBody())) {
            if (throttleSingle) {
                throw SqsException.builder().statusCode(400).message("injected throttling")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ThrottlingException").build()).build();
            }
            throw SdkServiceException.builder().statusCode(503).message("injected failure").build();
        }
        queued.add(request.messageBody());
        return SendMessageResponse.builder().messageId(UUID.randomUUID().toString()).build();
    }
}
