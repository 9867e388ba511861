package dev.cryptopipe.core;

import java.util.Optional;

/** The "RecordRejected" event: a queued message that can never be stored, so it is not retried. */
public record RecordRejected(String messageId, Optional<RecordId> id, Optional<String> ref, String reason) {
    public static final String DETAIL_TYPE = "RecordRejected";
}
