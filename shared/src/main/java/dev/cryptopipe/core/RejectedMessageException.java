package dev.cryptopipe.core;

import java.util.Optional;

/** A queued message that can never succeed: retrying it would only crash-loop the worker. */
public final class RejectedMessageException extends RuntimeException {
    private final Optional<RecordId> id;
    private final Optional<String> ref;

    public RejectedMessageException(String reason, Optional<RecordId> id, Optional<String> ref) {
        super(reason, null, false, false);
        this.id = id;
        this.ref = ref;
    }

    public String reason() {
        return getMessage();
    }

    public Optional<RecordId> id() {
        return id;
    }

    public Optional<String> ref() {
        return ref;
    }
}
