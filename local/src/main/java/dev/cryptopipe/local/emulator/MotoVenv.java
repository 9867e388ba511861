package dev.cryptopipe.local.emulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Python virtualenv that holds moto, built once per pinned requirements and Python version
 * and kept in the user's cache, so only the first run pays for the download.
 */
public final class MotoVenv {

    /** Written last into a finished venv; the venv is only used when it is there. */
    public static final String MARKER = ".installed";

    private static final String REQUIREMENTS = "/emulator-requirements.txt";
    private static final long INSTALL_TIMEOUT_MINUTES = 15;

    /** FileLock guards against other processes only; threads of this JVM queue here first. */
    private static final Object JVM_LOCK = new Object();

    private MotoVenv() {}

    /**
     * {@code $CRYPTOPIPE_CACHE}, else {@code $XDG_CACHE_HOME/cryptopipe}, else
     * {@code ~/.cache/cryptopipe}.
     */
    public static Path cacheDir() {
        String own = System.getenv("CRYPTOPIPE_CACHE");
        if (own != null && !own.isBlank()) {
            return Path.of(own);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("cryptopipe");
    }

    /** Where the venvs, the install lock and the logs live. */
    static Path home() {
        return cacheDir().resolve("moto");
    }

    /** The venv for the pinned requirements, created first if this machine has none yet. */
    public static Path ensure() {
        Path home = home();
        String requirements = requirements();
        // The Python version is part of the key: a venv's site-packages only suits the
        // interpreter it was made with, so an upgraded python3 gets a venv of its own.
        String key = sha256(requirements + "\n" + pythonVersion()).substring(0, 12);
        Path venv = home.resolve("venv-" + key);
        if (Files.exists(venv.resolve(MARKER))) {
            return venv;
        }
        synchronized (JVM_LOCK) {
            try {
                Files.createDirectories(home);
                try (FileChannel channel = FileChannel.open(home.resolve("install.lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    channel.lock(); // held until the channel closes
                    if (!Files.exists(venv.resolve(MARKER))) { // another run may have built it while we waited
                        install(venv, requirements, home.resolve("install-" + key + ".log"));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not prepare the moto virtualenv in " + home, e);
            }
        }
        return venv;
    }

    /**
     * Builds beside the final place and renames at the end, so an interrupted install never
     * leaves something that looks finished. Holding the lock, the temporary name can be fixed:
     * what is found there is a crashed run's leftover.
     */
    private static void install(Path venv, String requirements, Path log) throws IOException {
        Path tmp = venv.resolveSibling(venv.getFileName() + ".tmp");
        deleteTree(tmp);
        deleteTree(venv); // unfinished (no marker), and in the way of the rename
        Files.writeString(log, "");
        run(log, "create a Python virtualenv with python3", "python3", "-m", "venv", tmp.toString());
        Path requirementsFile = Files.writeString(tmp.resolve("requirements.txt"), requirements);
        run(log, "pip install the emulator's pinned requirements (" + REQUIREMENTS.substring(1) + ")",
                tmp.resolve("bin/python").toString(), "-m", "pip", "install",
                "--disable-pip-version-check", "--no-input", "-r", requirementsFile.toString());
        Files.writeString(tmp.resolve(MARKER), requirements);
        Files.move(tmp, venv, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void run(Path log, String what, String... command) {
        try {
            Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardOpenOption.APPEND);
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            if (!process.waitFor(INSTALL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("Could not " + what + ": no end after "
                        + INSTALL_TIMEOUT_MINUTES + " minutes; see " + log);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("Could not " + what + " (exit " + process.exitValue()
                        + "); see " + log + "\n" + tail(log));
            }
        } catch (IOException e) {
            throw new IllegalStateException("Could not " + what + ": " + e.getMessage() + "; see " + log, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while trying to " + what, e);
        }
    }

    private static String pythonVersion() {
        try {
            Process process = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            String version = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (process.waitFor() != 0) {
                throw new IllegalStateException("python3 --version failed: " + version);
            }
            return version;
        } catch (IOException e) {
            throw new IllegalStateException("python3 was not found on the PATH. It runs the moto emulator;"
                    + " install Python 3 (with venv), or set AWS_ENDPOINT_URL to an emulator you run. ("
                    + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while asking python3 for its version", e);
        }
    }

    private static String requirements() {
        try (InputStream in = MotoVenv.class.getResourceAsStream(REQUIREMENTS)) {
            if (in == null) {
                throw new IllegalStateException("Resource " + REQUIREMENTS + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The end of a log, for error messages that are read in CI output. */
    static String tail(Path log) {
        try {
            String text = Files.readString(log).strip();
            return text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
        }
        for (Path path : paths) {
            Files.delete(path);
        }
    }
}
