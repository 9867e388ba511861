package dev.cryptopipe.local;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** An output stream that hands each complete UTF-8 line, without its newline, to {@link #onLine}. */
public abstract class LineOutputStream extends OutputStream {
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    /** Called under this stream's lock, once per line, in order. */
    protected abstract void onLine(String text);

    @Override
    public final synchronized void write(int b) {
        if (b == '\n') {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            onLine(text);
        } else {
            line.write(b);
        }
    }

    @Override
    public final synchronized void write(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            write(bytes[i]);
        }
    }
}
