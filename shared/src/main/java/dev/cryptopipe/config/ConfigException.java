package dev.cryptopipe.config;

/** A missing or invalid setting; the message names the variable so init fails with a clear cause. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
