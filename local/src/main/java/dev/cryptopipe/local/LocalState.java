package dev.cryptopipe.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cryptopipe.core.Json;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.emulator.MotoVenv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * What a running {@code ./cryptopipe up} leaves for the other commands: its emulator's URL,
 * its port and its pid, in {@code up.json} under the state folder ({@code CRYPTOPIPE_STATE_DIR},
 * else {@code ~/.cache/cryptopipe/state}). Only ever a local emulator: a command that finds
 * neither AWS_ENDPOINT_URL nor a live {@code up} refuses to run rather than reach real AWS.
 */
public final class LocalState {
    static final String STATE_DIR_VARIABLE = "CRYPTOPIPE_STATE_DIR";

    private LocalState() {
    }

    /** The state folder: CRYPTOPIPE_STATE_DIR (or the system property of that name), else the cache's "state". */
    public static Path dir() {
        String own = System.getenv(STATE_DIR_VARIABLE);
        if (own == null || own.isBlank()) {
            own = System.getProperty(STATE_DIR_VARIABLE);
        }
        return own == null || own.isBlank() ? MotoVenv.cacheDir().resolve("state") : Path.of(own);
    }

    static Path upFile() {
        return dir().resolve("up.json");
    }

    /** Called by {@code up} once it is ready. */
    static void writeUp(URI endpoint, int port) {
        try {
            Files.createDirectories(dir());
            Path tmp = Files.createTempFile(dir(), "up", ".tmp");
            Files.writeString(tmp, Json.MAPPER.createObjectNode()
                    .put("endpoint", endpoint.toString())
                    .put("port", port)
                    .put("pid", ProcessHandle.current().pid())
                    .toString());
            Files.move(tmp, upFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + upFile(), e);
        }
    }

    /** Called by {@code up} as it stops: removes the file if it is still this process's. */
    static void clearUp() {
        readUp().filter(up -> up.path("pid").asLong() == ProcessHandle.current().pid()).ifPresent(up -> {
            try {
                Files.deleteIfExists(upFile());
            } catch (IOException ignored) {
                // a stale file is recognised by its dead pid
            }
        });
    }

    /**
     * The emulator the commands act on: AWS_ENDPOINT_URL (or aws.endpointUrl) if set, else the
     * one of a running {@code up} on this machine, else empty.
     */
    public static Optional<URI> emulatorEndpoint() {
        Optional<URI> configured = Emulator.configuredEndpoint();
        if (configured.isPresent()) {
            return configured;
        }
        return readUp()
                .filter(up -> ProcessHandle.of(up.path("pid").asLong()).map(ProcessHandle::isAlive).orElse(false))
                .map(up -> URI.create(up.path("endpoint").asText()));
    }

    /** Where the local runtime notes each failed message's first error, per emulator. */
    public static Path failureJournal(URI endpoint) {
        String name = (endpoint.getHost() + "_" + endpoint.getPort()).replaceAll("[^A-Za-z0-9_.-]", "_");
        return dir().resolve("failures-" + name + ".jsonl");
    }

    private static Optional<JsonNode> readUp() {
        try {
            return Files.isRegularFile(upFile()) ? Optional.of(Json.MAPPER.readTree(upFile().toFile())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
