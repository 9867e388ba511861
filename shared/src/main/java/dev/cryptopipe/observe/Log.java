package dev.cryptopipe.observe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.core.Json;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * Structured logging: one JSON object per line on standard output, which Lambda ships to
 * CloudWatch Logs. Callers pass identifiers (uuid, ref, message id, request id), never
 * plaintext or key material. {@code LOG_LEVEL} (DEBUG, INFO, WARN, ERROR) sets the threshold.
 */
public final class Log {
    public enum Level { DEBUG, INFO, WARN, ERROR }

    private static final PrintStream OUT = System.out;
    private static volatile Level threshold = readThreshold();
    /** Fields every line of the current thread carries, such as the request id. */
    private static final ThreadLocal<Map<String, String>> CONTEXT = ThreadLocal.withInitial(Map::of);

    private final String logger;

    private Log(String logger) {
        this.logger = logger;
    }

    public static Log named(String logger) {
        return new Log(logger);
    }

    public void debug(String event, Map<String, ?> fields) {
        write(Level.DEBUG, event, fields);
    }

    public void info(String event, Map<String, ?> fields) {
        write(Level.INFO, event, fields);
    }

    public void warn(String event, Map<String, ?> fields) {
        write(Level.WARN, event, fields);
    }

    public void error(String event, Map<String, ?> fields) {
        write(Level.ERROR, event, fields);
    }

    /**
     * Adds a field (an identifier such as the request id, never a value from a record) to every
     * line this thread writes until the returned scope is closed.
     */
    public static Scope context(String name, String value) {
        Map<String, String> previous = CONTEXT.get();
        Map<String, String> next = new java.util.LinkedHashMap<>(previous);
        next.put(name, value == null ? "" : value);
        CONTEXT.set(Map.copyOf(next));
        return () -> CONTEXT.set(previous);
    }

    /** Ends a {@link #context} field. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    public static boolean enabled(Level level) {
        return level.compareTo(threshold) >= 0;
    }

    /** Re-reads LOG_LEVEL; the local runtime sets it after this class may have loaded. */
    public static void refreshThreshold() {
        threshold = readThreshold();
    }

    private void write(Level level, String event, Map<String, ?> fields) {
        if (!enabled(level)) {
            return;
        }
        ObjectNode line = Json.MAPPER.createObjectNode()
                .put("timestamp", Instant.now().toString())
                .put("level", level.name())
                .put("logger", logger)
                .put("event", event);
        CONTEXT.get().forEach(line::put);
        fields.forEach((name, value) -> line.set(name, Json.MAPPER.valueToTree(value)));
        print(line);
    }

    /** Writes a line that must always appear, such as an EMF metrics document. */
    static void print(ObjectNode line) {
        try {
            String text = Json.MAPPER.writeValueAsString(line);
            synchronized (OUT) {
                OUT.println(text);
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    private static Level readThreshold() {
        String value = System.getenv("LOG_LEVEL");
        if (value == null) {
            value = System.getProperty("LOG_LEVEL", "INFO");
        }
        try {
            return Level.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Level.INFO;
        }
    }
}
