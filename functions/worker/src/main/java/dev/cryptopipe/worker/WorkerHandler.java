package dev.cryptopipe.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.cryptopipe.config.Settings;
import dev.cryptopipe.config.WorkerConfig;
import dev.cryptopipe.service.RecordWorker;
import dev.cryptopipe.service.RecordWorker.QueuedMessage;
import java.util.List;

/** SQS batch → seal → store → RecordStored; answers with only the messages to deliver again. */
public final class WorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    /** Built at class init so SnapStart snapshots warm clients and a bad setting fails init. */
    private static final class Default {
        static final RecordWorker WORKER = RecordWorker.fromConfig(WorkerConfig.from(Settings.fromEnvironment()));
    }

    private final RecordWorker worker;

    public WorkerHandler() {
        this(Default.WORKER);
    }

    public WorkerHandler(RecordWorker worker) {
        this.worker = worker;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<QueuedMessage> batch = event.getRecords() == null ? List.of() : event.getRecords().stream()
                .map(message -> new QueuedMessage(message.getMessageId(), message.getBody()))
                .toList();
        String requestId = context == null || context.getAwsRequestId() == null ? "" : context.getAwsRequestId();
        List<SQSBatchResponse.BatchItemFailure> failures = worker.process(batch, requestId).stream()
                .map(SQSBatchResponse.BatchItemFailure::new)
                .toList();
        return new SQSBatchResponse(failures);
    }
}
