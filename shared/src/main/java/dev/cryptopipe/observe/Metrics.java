package dev.cryptopipe.observe;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.core.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counters flushed as one CloudWatch Embedded Metric Format line, namespace "cryptopipe",
 * dimension "Function". Only counts: a metric never carries a value from a record.
 */
public final class Metrics {
    public static final String NAMESPACE = "cryptopipe";

    private final String function;
    private final Map<String, Long> counts = new LinkedHashMap<>();

    public Metrics(String function) {
        this.function = function;
    }

    public synchronized Metrics add(String name, long value) {
        counts.merge(name, value, Long::sum);
        return this;
    }

    /** Emits the counts gathered so far (at INFO level or below) and starts again from zero. */
    public synchronized void flush() {
        if (counts.isEmpty() || !Log.enabled(Log.Level.INFO)) {
            counts.clear();
            return;
        }
        ObjectNode line = Json.MAPPER.createObjectNode();
        ObjectNode aws = line.putObject("_aws").put("Timestamp", System.currentTimeMillis());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject().put("Namespace", NAMESPACE);
        directive.putArray("Dimensions").addArray().add("Function");
        ArrayNode metrics = directive.putArray("Metrics");
        line.put("Function", function);
        counts.forEach((name, value) -> {
            metrics.addObject().put("Name", name).put("Unit", "Count");
            line.put(name, value);
        });
        counts.clear();
        Log.print(line);
    }
}
