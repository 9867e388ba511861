package dev.cryptopipe.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cryptopipe.aws.RequestQueue.SendResult;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** SendMessageBatch in calls of at most 10 entries and 256 KiB; failed entries sent again alone. */
class RequestQueueTest {
    private final FakeSqs sqs = new FakeSqs();
    private final RequestQueue queue = new RequestQueue(sqs, "https://sqs.local/requests");

    private static List<String> bodies(int count) {
        return IntStream.range(0, count).mapToObj(i -> "body-" + i).toList();
    }

    @Test
    void sendsInCallsOfAtMostTenInOrder() {
        List<SendResult> results = queue.sendBatch(bodies(25));

        assertEquals(List.of(5, 10, 10), sqs.batchSizes.stream().sorted().toList(), "the calls may go out in any order");
        assertEquals(bodies(25), sqs.queued.stream().sorted(java.util.Comparator.comparingInt(b -> Integer.parseInt(b.substring(5)))).toList());
        assertTrue(results.stream().allMatch(SendResult::queued));
        assertTrue(results.stream().noneMatch(SendResult::retriedAlone));
        assertTrue(sqs.singleSends.isEmpty());
    }

    @Test
    void aCallNeverCarriesMoreThan256KiB() {
        String big = "x".repeat(100_000);
        List<String> bodies = List.of(big, big, big, "small");

        queue.sendBatch(bodies);

        assertEquals(List.of(2, 2), sqs.batchSizes, "100 KB + 100 KB fit, a third does not");
        assertEquals(List.of(List.of(0, 1), List.of(2, 3)), RequestQueue.groups(bodies));
    }

    @Test
    void aFailedEntryIsSentAgainAloneAndOnlyIt() {
        sqs.failEntry = body -> body.equals("body-3") || body.equals("body-12");

        List<SendResult> results = queue.sendBatch(bodies(15));

        assertEquals(List.of("body-12", "body-3"), sqs.singleSends.stream().sorted().toList());
        assertTrue(results.stream().allMatch(SendResult::queued));
        assertTrue(results.get(3).retriedAlone());
        assertFalse(results.get(4).retriedAlone());
        assertEquals(15, sqs.queued.size(), "each body queued once");
    }

    @Test
    void anEntryThatStillFailsAloneGetsItsFailureAndNoMessageId() {
        sqs.failEntry = body -> body.equals("body-7");
        sqs.failSingle = body -> body.equals("body-7");

        List<SendResult> results = queue.sendBatch(bodies(10));

        assertNull(results.get(7).messageId());
        assertNotNull(results.get(7).failure());
        assertFalse(sqs.queued.contains("body-7"));
        for (int i = 0; i < 10; i++) {
            if (i != 7) {
                assertTrue(results.get(i).queued(), "item " + i);
            }
        }
    }

    @Test
    void aBatchCallThatFailsHasEachOfItsEntriesSentAlone() {
        sqs.failBatchCall = batch -> batch.contains("body-0");

        List<SendResult> results = queue.sendBatch(bodies(13));

        assertEquals(bodies(10).stream().sorted().toList(), sqs.singleSends.stream().sorted().toList(), "only the failed call's entries");
        assertTrue(results.stream().allMatch(SendResult::queued));
        assertEquals(new ArrayList<>(bodies(13)).stream().sorted().toList(), sqs.queued.stream().sorted().toList());
    }
}
