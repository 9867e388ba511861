package dev.cryptopipe.local.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cryptopipe.core.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The machine a bench ran on: processors, CPU model, memory, JDK, OS. */
record Machine(Map<String, String> facts) {
    static Machine describe() {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("nproc", Integer.toString(Runtime.getRuntime().availableProcessors()));
        facts.put("cpu", procField("/proc/cpuinfo", "model name").orElse(System.getProperty("os.arch")));
        facts.put("ram", procField("/proc/meminfo", "MemTotal")
                .map(value -> String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(value.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
                .orElse("unknown"));
        facts.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        facts.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        facts.put("loadAverageAtStart", loadAverage());
        return new Machine(facts);
    }

    /** The 1, 5 and 15 minute load averages: how busy the machine was with other work. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).strip().split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    String oneLine() {
        return facts.get("nproc") + " CPUs (`nproc`), " + facts.get("cpu") + ", " + facts.get("ram") + " RAM, JDK "
                + facts.get("jdk") + ", " + facts.get("os") + "; load average (1, 5, 15 min) " + facts.get("loadAverageAtStart")
                + " at the start, " + facts.getOrDefault("loadAverageAtEnd", "?") + " at the end";
    }

    Machine ended() {
        Map<String, String> copy = new LinkedHashMap<>(facts);
        copy.put("loadAverageAtEnd", loadAverage());
        return new Machine(copy);
    }

    ObjectNode json() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        facts.forEach(node::put);
        return node;
    }

    private static java.util.Optional<String> procField(String file, String name) {
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            return lines.stream().filter(line -> line.startsWith(name)).findFirst()
                    .map(line -> line.substring(line.indexOf(':') + 1).strip());
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}
