package dev.cryptopipe.local.faults;

import dev.cryptopipe.local.LineOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Standard output of an in-process pipeline (log lines, EMF metrics, printed events), checked
 * line by line for a run's plaintext marker and otherwise kept only as a count and a short tail,
 * so a run under faults does not flood the build log. A leaked line is never kept or printed.
 */
public final class OutputWatch extends LineOutputStream {
    private static final int TAIL = 40;

    private static volatile OutputWatch installed;

    private final PrintStream original;
    private final Deque<String> tail = new ArrayDeque<>();
    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong leaks = new AtomicLong();
    private volatile String marker = "\u0000never";

    private OutputWatch(PrintStream original) {
        this.original = original;
    }

    /**
     * Replaces System.out for this JVM; call before anything logs (the project's Log keeps the
     * System.out it finds when it is first used). Returns the watch.
     */
    public static synchronized OutputWatch install() {
        if (installed == null) {
            OutputWatch watch = new OutputWatch(System.out);
            System.setOut(new PrintStream(watch, true, StandardCharsets.UTF_8));
            installed = watch;
        }
        return installed;
    }

    /** Output outside the watch, for the test's own summary lines. */
    public PrintStream original() {
        return original;
    }

    /** Every plaintext of the run contains this; a line that does is a leak. */
    public void watchFor(String marker) {
        this.marker = marker;
    }

    public long lines() {
        return lines.get();
    }

    public long leaks() {
        return leaks.get();
    }

    public synchronized String tail() {
        return String.join("\n", tail);
    }

    @Override
    protected void onLine(String text) {
        lines.incrementAndGet();
        if (text.contains(marker)) {
            leaks.incrementAndGet();
            return;
        }
        tail.addLast(text.length() > 400 ? text.substring(0, 400) + "…" : text);
        if (tail.size() > TAIL) {
            tail.removeFirst();
        }
    }
}
