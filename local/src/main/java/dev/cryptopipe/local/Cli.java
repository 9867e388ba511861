package dev.cryptopipe.local;

import dev.cryptopipe.local.bench.Bench;
import dev.cryptopipe.local.dlq.DlqCommand;
import dev.cryptopipe.local.rotate.RekeyBench;
import dev.cryptopipe.local.rotate.RotationCommands;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/** {@code ./cryptopipe <command>}: the one entry point for people. */
public final class Cli {
    private static final String USAGE = """
            usage: ./cryptopipe <command>

              up            build on first use, start the pipeline on 127.0.0.1:$CRYPTOPIPE_PORT (default 3000)
              bench         measure the pipeline against the first design and the targets (--records N, …);
                            writes target/bench/report.md, report.json, report.png
              test          run every test and linter (the command CI runs)
              dlq           list the request queue's dead letters (message id, uuid, ref, receives, first error)
              dlq --redrive move them back to the request queue
              rotate-key    point the key alias at a new KMS key (new data keys are wrapped under it)
              rekey         re-wrap every data key under the alias's key; prints the counts [--page-size N]
              bench-rekey   measure a rekey: N records, rotate-key, rekey, KMS calls counted [--records N]
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
            case "dlq" -> DlqCommand.run(options, out);
            case "bench" -> Bench.run(options, out);
            case "rotate-key" -> RotationCommands.rotateKey(options, out);
            case "rekey" -> RotationCommands.rekey(options, out);
            case "bench-rekey" -> RekeyBench.run(options, out);
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
        LocalState.writeUp(pipeline.emulator().endpoint(), pipeline.port());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LocalState.clearUp();
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
