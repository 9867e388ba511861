package dev.cryptopipe.local.rotate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.StateMachineListItem;

/** One run of the rekey state machine (statemachine/rekey.asl.json), waited for until it ends or a deadline. */
public final class Rekey {
    private static final Duration POLL_PAUSE = Duration.ofMillis(200);
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** The state machine's output. */
    public record Counts(long scanned, long rekeyed, long skipped, long failed) {
        @Override
        public String toString() {
            return "scanned " + scanned + ", rekeyed " + rekeyed + ", skipped " + skipped + ", failed " + failed;
        }
    }

    /**
     * How a run ended; {@code status} is RUNNING when the deadline passed first. {@code counts}
     * only for SUCCEEDED; {@code error} and {@code cause} only for a run that did not succeed.
     */
    public record Outcome(String executionArn, ExecutionStatus status, Duration took, Counts counts, String error,
                          String cause) {
        /** Every data key now wrapped under the current key, or left for a next run by a concurrent change. */
        public boolean clean() {
            return status == ExecutionStatus.SUCCEEDED && counts.failed() == 0;
        }
    }

    private final SfnClient sfn;

    public Rekey(SfnClient sfn) {
        this.sfn = sfn;
    }

    public Optional<String> findStateMachine(String name) {
        return sfn.listStateMachinesPaginator(list -> { }).stateMachines().stream()
                .filter(machine -> machine.name().equals(name))
                .map(StateMachineListItem::stateMachineArn)
                .findFirst();
    }

    /**
     * Starts an execution and polls it until it ends or {@code deadline} has passed; the
     * execution is left running then (a later run finishes what it did not).
     */
    public Outcome run(String stateMachineArn, OptionalInt pageSize, Duration deadline) throws InterruptedException {
        String input = pageSize.isPresent() ? "{\"pageSize\":" + pageSize.getAsInt() + "}" : "{}";
        Instant started = Instant.now();
        // Execution names must be unique per state machine (moto refuses a repeat, AWS for 90 days).
        String name = "rekey-" + NAME_TIME.format(started) + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String executionArn = sfn.startExecution(start -> start
                .stateMachineArn(stateMachineArn).name(name).input(input)).executionArn();
        Instant giveUp = started.plus(deadline);
        DescribeExecutionResponse execution = sfn.describeExecution(describe -> describe.executionArn(executionArn));
        while (execution.status() == ExecutionStatus.RUNNING && Instant.now().isBefore(giveUp)) {
            Thread.sleep(POLL_PAUSE);
            execution = sfn.describeExecution(describe -> describe.executionArn(executionArn));
        }
        Duration took = Duration.between(started, Instant.now());
        Counts counts = execution.status() == ExecutionStatus.SUCCEEDED ? counts(execution.output()) : null;
        return new Outcome(executionArn, execution.status(), took, counts, execution.error(), execution.cause());
    }

    private static Counts counts(String output) {
        try {
            JsonNode json = Json.MAPPER.readTree(output);
            return new Counts(json.required("scanned").asLong(), json.required("rekeyed").asLong(),
                    json.required("skipped").asLong(), json.required("failed").asLong());
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalStateException("the rekey execution's output is not the counts: " + output, e);
        }
    }
}
