package dev.cryptopipe.local.emulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The AWS-compatible endpoint the pipeline runs against off AWS: the one the SDK is already
 * pointed at ({@code aws.endpointUrl} or {@code AWS_ENDPOINT_URL}), or else a moto server
 * started here as a child process. Only a server started here is ever stopped.
 */
public final class Emulator implements AutoCloseable {

    private static final Duration START_DEADLINE = Duration.ofSeconds(60);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * Runs moto with a watchdog on stdin: the pipe closes when the JVM is gone, however it
     * ended (even killed, when no shutdown hook runs), so no orphaned server stays behind.
     */
    private static final String MOTO_LAUNCHER = """
            import os, sys, threading
            from moto.server import main
            def exit_when_parent_is_gone():
                sys.stdin.read()
                os._exit(0)
            threading.Thread(target=exit_when_parent_is_gone, daemon=True).start()
            main(sys.argv[1:])
            """;

    private final URI endpoint;
    private final Process process; // null when attached
    private final Path log; // null when attached
    private final Thread shutdownHook; // null when attached
    private volatile Boolean moto; // probed on first need for an attached endpoint

    private Emulator(URI endpoint, Process process, Path log) {
        this.endpoint = endpoint;
        this.process = process;
        this.log = log;
        this.moto = process != null ? Boolean.TRUE : null;
        if (process != null) {
            shutdownHook = new Thread(this::stop, "emulator-stop");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            shutdownHook = null;
        }
    }

    /** The endpoint the SDK is configured with, if any: system property first, as the SDK does. */
    public static Optional<URI> configuredEndpoint() {
        String value = System.getProperty("aws.endpointUrl");
        if (value == null || value.isBlank()) {
            value = System.getenv("AWS_ENDPOINT_URL");
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(URI.create(value.strip()));
    }

    /** Attaches to the configured endpoint, or starts moto when none is configured. */
    public static Emulator startOrAttach() {
        return configuredEndpoint().map(Emulator::attach).orElseGet(Emulator::startMoto);
    }

    /** Uses a running emulator as it is; {@link #close()} leaves it running. */
    public static Emulator attach(URI endpoint) {
        return new Emulator(endpoint, null, null);
    }

    /**
     * Starts a fresh moto server on a free loopback port, installing moto first if this machine
     * has no venv for the pinned version, and returns once it answers.
     */
    public static Emulator startMoto() {
        Path venv = MotoVenv.ensure();
        int port = freePort();
        Path log = MotoVenv.home().resolve("logs").resolve("moto-" + port + ".log");
        Process process;
        try {
            Files.createDirectories(log.getParent());
            pruneOldLogs(log.getParent());
            process = new ProcessBuilder(venv.resolve("bin/python").toString(), "-c", MotoSpeedups.PYTHON + MOTO_LAUNCHER,
                            "-H", "127.0.0.1", "-p", String.valueOf(port))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("Could not start moto from " + venv + ": " + e.getMessage()
                    + " (delete that folder to reinstall); see " + log, e);
        }
        Emulator emulator = new Emulator(URI.create("http://127.0.0.1:" + port), process, log);
        try {
            emulator.awaitAnswer();
        } catch (RuntimeException e) {
            emulator.close();
            throw e;
        }
        return emulator;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Whether this JVM started the server (and so stops it on close). */
    public boolean startedHere() {
        return process != null;
    }

    /** The server's output, for a server started here. */
    public Optional<Path> log() {
        return Optional.ofNullable(log);
    }

    /** Whether the endpoint is moto, whose /moto-api/ gives {@link #reset()} and the config. */
    public boolean isMoto() {
        if (moto == null) {
            moto = answersMotoConfig();
        }
        return moto;
    }

    /** Forgets every resource in every service: a clean account, without a restart. */
    public void reset() {
        post("/moto-api/reset", "", "reset");
    }

    /**
     * Makes moto run Step Functions state machines; by default it only records executions
     * as started and never runs their states. Survives {@link #reset()}; GET /moto-api/config
     * does not show it.
     */
    public void enableStepFunctionsExecution() {
        post("/moto-api/config", "{\"stepfunctions\":{\"execute_state_machine\":true}}",
                "enableStepFunctionsExecution");
    }

    /**
     * Points SDK clients built later in this JVM at this emulator. Region and credentials are
     * set only where the environment gives none: emulators accept any, and a developer's own
     * are left as they are.
     */
    public void applyToSdkSystemProperties() {
        System.setProperty("aws.endpointUrl", endpoint.toString());
        if (isUnset("AWS_REGION", "aws.region")) {
            System.setProperty("aws.region", "us-east-1");
        }
        if (isUnset("AWS_ACCESS_KEY_ID", "aws.accessKeyId")) {
            System.setProperty("aws.accessKeyId", "testing");
            System.setProperty("aws.secretAccessKey", "testing");
        }
    }

    /** Stops the server if it was started here; an attached one is left running. */
    @Override
    public void close() {
        if (process == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to; stopping twice is harmless.
        }
        stop();
    }

    @Override
    public String toString() {
        return startedHere() ? "moto started here at " + endpoint + " (log " + log + ")" : "emulator at " + endpoint;
    }

    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitAnswer() {
        Instant deadline = Instant.now().plus(START_DEADLINE);
        try {
            while (!answers(get("/moto-api/"))) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("moto exited with code " + process.exitValue()
                            + " before answering on " + endpoint + "; see " + log + "\n" + MotoVenv.tail(log));
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("moto did not answer on " + endpoint + " within "
                            + START_DEADLINE.toSeconds() + " s; see " + log + "\n" + MotoVenv.tail(log));
                }
                // Returns at once if the process dies, so a failed start is reported without delay.
                process.waitFor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for moto on " + endpoint, e);
        }
    }

    private boolean answersMotoConfig() {
        try {
            HttpResponse<String> response = HTTP.send(get("/moto-api/config"), HttpResponse.BodyHandlers.ofString());
            // 2xx: moto 5.2.5 answers this GET with 201.
            return response.statusCode() / 100 == 2 && response.body().stripLeading().startsWith("{");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean answers(HttpRequest request) throws InterruptedException {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYetListening) {
            return false;
        }
    }

    private void post(String path, String json, String operation) {
        if (!isMoto()) {
            throw new UnsupportedOperationException(operation + "() needs moto's /moto-api/, and the emulator at "
                    + endpoint + " is not moto");
        }
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) { // moto answers config changes with 201
                throw new IllegalStateException("POST " + request.uri() + " answered " + response.statusCode()
                        + ": " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("POST " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during POST " + request.uri(), e);
        }
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(endpoint.resolve(path)).timeout(Duration.ofSeconds(5)).GET().build();
    }

    private static boolean isUnset(String environmentVariable, String systemProperty) {
        return System.getenv(environmentVariable) == null && System.getProperty(systemProperty) == null;
    }

    /** Each start logs to a file of its own; a day later nobody is looking into it any more. */
    private static void pruneOldLogs(Path logs) throws IOException {
        Instant cutoff = Instant.now().minus(Duration.ofDays(1));
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** A port free now; the tiny race until moto binds it shows as a failed start with its log. */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not find a free local port for moto", e);
        }
    }
}
