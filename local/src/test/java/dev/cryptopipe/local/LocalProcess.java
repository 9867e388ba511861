package dev.cryptopipe.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code ./cryptopipe <command>} run as a user runs it, in its own process, with everything it
 * prints captured so a test can wait for a line and check nothing secret was printed.
 */
final class LocalProcess implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    private LocalProcess(Process process) {
        this.process = process;
        this.reader = Thread.ofVirtual().start(this::drain);
    }

    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("cryptopipe")) && Files.isRegularFile(dir.resolve("template.yaml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("not inside the cryptopipe repository");
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static LocalProcess start(URI emulator, Map<String, String> environment, String... command) throws IOException {
        String[] argv = new String[command.length + 1];
        argv[0] = repositoryRoot().resolve("cryptopipe").toString();
        System.arraycopy(command, 0, argv, 1, command.length);
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).directory(repositoryRoot().toFile());
        builder.environment().put("AWS_ENDPOINT_URL", emulator.toString());
        builder.environment().putIfAbsent("AWS_REGION", "us-east-1");
        builder.environment().putIfAbsent("AWS_ACCESS_KEY_ID", "testing");
        builder.environment().putIfAbsent("AWS_SECRET_ACCESS_KEY", "testing");
        builder.environment().putAll(environment);
        return new LocalProcess(builder.start());
    }

    /** {@code ./cryptopipe up} serving on {@code port}, returned once it prints its ready line. */
    static LocalProcess up(URI emulator, int port, Map<String, String> environment, Duration startup) throws IOException {
        Map<String, String> withPort = new HashMap<>(environment);
        withPort.put("CRYPTOPIPE_PORT", Integer.toString(port));
        LocalProcess up = start(emulator, withPort, "up");
        up.awaitLine(line -> line.contains("ready"), startup);
        return up;
    }

    private void drain() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.append(line).append('\n');
            }
        } catch (IOException e) {
            output.append("[output closed: ").append(e.getClass().getSimpleName()).append("]\n");
        }
    }

    /** Waits until a line matches; fails with the output so far (which holds no secrets) if not. */
    String awaitLine(Predicate<String> matches, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            for (String line : output.toString().split("\n")) {
                if (matches.test(line)) {
                    return line;
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("cryptopipe exited with " + process.exitValue() + ":\n" + output);
            }
            Thread.onSpinWait();
            try {
                process.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        throw new AssertionError("no matching line within " + timeout + ":\n" + output);
    }

    String output() {
        return output.toString();
    }

    Process process() {
        return process;
    }

    /** SIGTERM, as Ctrl-C or a service manager would, then waits for a clean exit. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        reader.join(Duration.ofSeconds(5));
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
