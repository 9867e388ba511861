package dev.cryptopipe.local.bench;

import dev.cryptopipe.config.SettingNames;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Part 4: for each function, a fresh JVM on the function's shaded jar (plus only the launcher)
 * loads and initialises the handler and handles one event against the emulator; the wall time
 * from starting the process to its answer, median of the runs, and the jar's size.
 */
final class ColdStartBench {
    /** Lambda's own JVM options for fast starts (its Java runtimes set these by default). */
    static final List<String> JVM_FLAGS = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");
    static final List<String> FUNCTIONS = List.of("intake", "worker", "decrypt");
    private static final String LAUNCHER = ColdStartLauncher.class.getName();

    /**
     * One function's runs in milliseconds: the wall time, and its parts: the handler's init and first
     * event as the launcher timed them, and the rest (starting the JVM up to the launcher's main).
     */
    record Function(String name, Path jar, long jarBytes, List<Long> wallMs, List<Long> jvmStartMs, List<Long> initMs,
                    List<Long> invokeMs) {
        long medianWallMs() {
            return median(wallMs);
        }

        static long median(List<Long> values) {
            long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
            return sorted.length == 0 ? -1 : sorted[(sorted.length - 1) / 2];
        }
    }

    private ColdStartBench() {
    }

    static List<Function> run(Path home, Path work, URI endpoint, String decryptUuid, int runs) throws IOException, InterruptedException {
        Path launcherDir = copyLauncher(work.resolve("launcher"));
        Path logs = Files.createDirectories(work.resolve("coldstart-logs"));
        List<Function> results = new ArrayList<>();
        for (String function : FUNCTIONS) {
            Path jar = functionJar(home, function);
            List<Long> wall = new ArrayList<>();
            List<Long> jvmStart = new ArrayList<>();
            List<Long> init = new ArrayList<>();
            List<Long> invoke = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                List<String> command = new ArrayList<>();
                command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.addAll(JVM_FLAGS);
                command.add("-cp");
                command.add(jar + java.io.File.pathSeparator + launcherDir);
                command.add(LAUNCHER);
                command.add(function);
                if (function.equals("decrypt")) {
                    command.add(decryptUuid);
                }
                ProcessBuilder builder = new ProcessBuilder(command)
                        .redirectError(logs.resolve(function + "-" + run + ".log").toFile());
                builder.environment().putAll(environment(endpoint));
                long started = System.nanoTime();
                Process process = builder.start();
                String line;
                long answered;
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    // Log and metric lines (EMF) may come first; the launcher's own line is the answer.
                    do {
                        line = out.readLine();
                    } while (line != null && !line.startsWith("coldstart "));
                    long answeredAt = System.nanoTime();
                    out.transferTo(java.io.Writer.nullWriter());
                    answered = answeredAt;
                }
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
                if (line == null || !line.startsWith("coldstart ok=true")) {
                    throw new IllegalStateException("the " + function + " jar failed its cold start (" + line + "); see "
                            + logs.resolve(function + "-" + run + ".log"));
                }
                Map<String, String> fields = fields(line);
                long initMs = Long.parseLong(fields.get("initMs"));
                long invokeMs = Long.parseLong(fields.get("invokeMs"));
                wall.add((answered - started) / 1_000_000);
                // What is not the handler's: starting the JVM up to the launcher's main, and the answer reaching us.
                jvmStart.add(Math.max(0, wall.get(wall.size() - 1) - initMs - invokeMs));
                init.add(initMs);
                invoke.add(invokeMs);
            }
            results.add(new Function(function, jar, Files.size(jar), wall, jvmStart, init, invoke));
        }
        return results;
    }

    static Path functionJar(Path home, String function) throws IOException {
        Path target = home.resolve("functions").resolve(function).resolve("target");
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(file -> file.getFileName().toString().endsWith("-lambda.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no shaded jar in " + target + "; build first"));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalStateException("no " + target + "; build first", e);
        }
    }

    /** What template.yaml gives the functions (set in this JVM by the local pipeline), and the emulator. */
    private static Map<String, String> environment(URI endpoint) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("AWS_ENDPOINT_URL", endpoint.toString());
        environment.put("AWS_REGION", setting("AWS_REGION", "aws.region", "us-east-1"));
        environment.put("AWS_ACCESS_KEY_ID", setting("AWS_ACCESS_KEY_ID", "aws.accessKeyId", "testing"));
        environment.put("AWS_SECRET_ACCESS_KEY", setting("AWS_SECRET_ACCESS_KEY", "aws.secretAccessKey", "testing"));
        for (String name : List.of(SettingNames.RECORDS_TABLE, SettingNames.DATAKEYS_TABLE, SettingNames.REQUEST_QUEUE_URL,
                SettingNames.KEY_ID, SettingNames.EVENT_BUS_NAME, SettingNames.MAX_PLAINTEXT_BYTES,
                SettingNames.DATA_KEY_MAX_RECORDS, SettingNames.DATA_KEY_MAX_AGE, "LOG_LEVEL")) {
            String value = setting(name, name, null);
            if (value != null) {
                environment.put(name, value);
            }
        }
        return environment;
    }

    private static String setting(String variable, String property, String fallback) {
        String value = System.getenv(variable);
        if (value == null) {
            value = System.getProperty(property);
        }
        return value == null ? fallback : value;
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : line.split(" ")) {
            String[] pair = part.split("=", 2);
            if (pair.length == 2) {
                fields.put(pair[0], pair[1]);
            }
        }
        return fields;
    }

    /** Copies the launcher's class files (and nothing else of local) into {@code dir}. */
    private static Path copyLauncher(Path dir) throws IOException {
        String packagePath = ColdStartLauncher.class.getPackageName().replace('.', '/');
        Path target = Files.createDirectories(dir.resolve(packagePath));
        Path source;
        try {
            source = Path.of(ColdStartLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        String prefix = ColdStartLauncher.class.getSimpleName();
        if (Files.isDirectory(source)) {
            copyClasses(source.resolve(packagePath), target, prefix);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(source)) {
                copyClasses(jar.getPath(packagePath), target, prefix);
            }
        }
        return dir;
    }

    private static void copyClasses(Path from, Path to, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            List<Path> classes = files.filter(file -> {
                String name = file.getFileName().toString();
                return name.endsWith(".class") && (name.equals(prefix + ".class") || name.startsWith(prefix + "$"));
            }).toList();
            for (Path file : classes) {
                try {
                    Files.copy(file, to.resolve(file.getFileName().toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        if (!Files.exists(to.resolve(prefix + ".class"))) {
            throw new IllegalStateException("the cold-start launcher's class file was not found in " + from);
        }
    }
}
