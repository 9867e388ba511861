package dev.cryptopipe.config;

import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Typed reads of named settings. On Lambda they come from the environment; the local runtime
 * runs several functions in one JVM, so a JVM system property of the same name stands in
 * for an environment variable that is not set.
 */
public final class Settings {
    /** Far beyond any sensible setting, and small enough that adding it to a time never overflows. */
    static final Duration MAX_DURATION = Duration.ofDays(365);

    private final UnaryOperator<String> lookup;

    private Settings(UnaryOperator<String> lookup) {
        this.lookup = lookup;
    }

    public static Settings fromEnvironment() {
        return new Settings(name -> {
            String value = System.getenv(name);
            return value != null ? value : System.getProperty(name);
        });
    }

    public static Settings of(Map<String, String> values) {
        return new Settings(values::get);
    }

    public String required(String name) {
        String value = lookup.apply(name);
        if (value == null || value.isBlank()) {
            throw new ConfigException(name + " is required but not set");
        }
        return value.trim();
    }

    public URI requiredUri(String name) {
        String value = required(name);
        try {
            URI uri = URI.create(value);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("not absolute");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name + " must be an absolute URL, got '" + value + "'");
        }
    }

    public int positiveInt(String name, int defaultValue) {
        String value = lookup.apply(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < 1) {
                throw new NumberFormatException("not positive");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be a positive integer, got '" + value + "'");
        }
    }

    /** An ISO-8601 duration such as PT5M, or a whole number of seconds. */
    public Duration positiveDuration(String name, Duration defaultValue) {
        String value = lookup.apply(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        String text = value.trim();
        try {
            Duration parsed = text.chars().allMatch(Character::isDigit)
                    ? Duration.ofSeconds(Long.parseLong(text))
                    : Duration.parse(text);
            if (parsed.isZero() || parsed.isNegative() || parsed.compareTo(MAX_DURATION) > 0) {
                throw new ConfigException(name + " must be positive and at most " + MAX_DURATION + ", got '" + value + "'");
            }
            return parsed;
        } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
            throw new ConfigException(name + " must be an ISO-8601 duration such as PT5M or a number of seconds, got '" + value + "'");
        }
    }
}
