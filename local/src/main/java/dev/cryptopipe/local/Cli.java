package dev.cryptopipe.local;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/** {@code ./cryptopipe <command>}: the one entry point for people. */
public final class Cli {
    private static final String USAGE = """
            usage: ./cryptopipe <command>

              up            build on first use, start the pipeline on 127.0.0.1:$CRYPTOPIPE_PORT (default 3000)
              test          run every test and linter (the command CI runs)
              help          this text

            Set AWS_ENDPOINT_URL to use a running emulator instead of starting one.""";

    private Cli() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        String command = args.length == 0 ? "help" : args[0];
        String[] options = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        int status = switch (command) {
            case "up" -> up(out);
            case "help", "-h", "--help" -> {
                out.println(USAGE);
                yield 0;
            }
            default -> {
                System.err.println("unknown command: " + command + " " + String.join(" ", options));
                System.err.println(USAGE);
                yield 2;
            }
        };
        System.exit(status);
    }

    private static int up(PrintStream out) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("CRYPTOPIPE_PORT", "3000"));
        LocalPipeline pipeline = LocalPipeline.start(port, out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            pipeline.close();
            stopped.countDown();
        }, "cryptopipe-shutdown"));
        out.println("cryptopipe ready on http://127.0.0.1:" + pipeline.port()
                + " (emulator " + pipeline.emulator().endpoint() + ")");
        out.flush();
        stopped.await();
        return 0;
    }
}
