package dev.cryptopipe.aws;

import dev.cryptopipe.core.EncryptRequest;
import dev.cryptopipe.core.RequestMessages;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The SQS queue of encrypt requests. */
public final class RequestQueue {
    private final SqsClient sqs;
    private final String queueUrl;

    public RequestQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    /** Returns the SQS message id once the request is durably queued. */
    public String send(EncryptRequest request) {
        return send(RequestMessages.encode(request));
    }

    /** Sends an already encoded message body (callers check its size first). */
    public String send(String body) {
        return sqs.sendMessage(send -> send.queueUrl(queueUrl).messageBody(body)).messageId();
    }
}
