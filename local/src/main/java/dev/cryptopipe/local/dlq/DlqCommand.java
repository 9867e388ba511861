package dev.cryptopipe.local.dlq;

import dev.cryptopipe.aws.SdkClients;
import dev.cryptopipe.local.LocalPipeline;
import dev.cryptopipe.local.LocalState;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.provision.Provisioner;
import dev.cryptopipe.local.provision.Template;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * {@code ./cryptopipe dlq} lists the request queue's dead letters, one line each with the
 * message id, uuid, ref, receive count, when it was first sent and its first error if the local
 * runtime noted it; {@code ./cryptopipe dlq --redrive} moves them back to the request queue.
 * Never prints a message body. Acts on AWS_ENDPOINT_URL, else on the emulator of a running
 * {@code ./cryptopipe up}.
 */
public final class DlqCommand {
    private DlqCommand() {
    }

    public static int run(String[] options, PrintStream out) {
        boolean redrive = options.length == 1 && options[0].equals("--redrive");
        if (options.length > 1 || (options.length == 1 && !redrive)) {
            System.err.println("usage: ./cryptopipe dlq [--redrive]");
            return 2;
        }
        Optional<URI> endpoint = LocalState.emulatorEndpoint();
        if (endpoint.isEmpty()) {
            System.err.println("dlq acts on the emulator of a running ./cryptopipe up, and none is running. Start it,"
                    + " or set AWS_ENDPOINT_URL to the emulator's URL.");
            return 2;
        }
        Emulator.attach(endpoint.get()).applyToSdkSystemProperties();
        Template template = LocalPipeline.template();
        String dlqName = template.string(Provisioner.DEAD_LETTER_QUEUE, "QueueName");
        String requestName = template.string(Provisioner.REQUEST_QUEUE, "QueueName");
        try (SqsClient sqs = SdkClients.build(SqsClient.builder())) {
            String dlqUrl = sqs.getQueueUrl(get -> get.queueName(dlqName)).queueUrl();
            String requestUrl = sqs.getQueueUrl(get -> get.queueName(requestName)).queueUrl();
            DeadLetters deadLetters = new DeadLetters(sqs, dlqUrl, requestUrl);
            if (redrive) {
                DeadLetters.Redrive result = deadLetters.redrive();
                out.println("moved " + result.moved() + " from " + dlqName + " to " + requestName
                        + (result.failed() > 0 ? "; " + result.failed() + " could not be sent and stay" : ""));
                return result.failed() > 0 ? 1 : 0;
            }
            List<DeadLetters.Entry> entries = deadLetters.list(FailureJournal.firstErrors(LocalState.failureJournal(endpoint.get())));
            out.println(entries.size() + " in " + dlqName + (entries.isEmpty() ? "" : " (listing counts as one more receive)"));
            for (DeadLetters.Entry entry : entries) {
                out.println(line(entry));
            }
            if (!entries.isEmpty()) {
                out.println("./cryptopipe dlq --redrive moves them back to " + requestName + ".");
            }
            return 0;
        } catch (QueueDoesNotExistException e) {
            System.err.println("dlq: no queue " + dlqName + " at " + endpoint.get() + ": start ./cryptopipe up against it first.");
            return 1;
        } catch (SdkClientException e) {
            System.err.println("dlq: cannot reach the emulator at " + endpoint.get() + " (" + e.getMessage() + ")");
            return 1;
        }
    }

    /** {@code messageId=… uuid=… ref=… receives=N sentAt=… firstError=…}: identifiers only. */
    public static String line(DeadLetters.Entry entry) {
        StringBuilder line = new StringBuilder("messageId=").append(entry.messageId());
        line.append(" uuid=").append(entry.uuid().orElse("-"));
        entry.ref().ifPresent(ref -> line.append(" ref=").append(ref));
        line.append(" receives=").append(entry.receiveCount());
        entry.sentAt().ifPresent(sent -> line.append(" sentAt=").append(sent));
        line.append(" firstError=").append(entry.firstError().orElse("unknown"));
        entry.note().ifPresent(note -> line.append(" note=\"").append(note).append('"'));
        return line.toString();
    }
}
