package dev.cryptopipe.local.rotate;

import dev.cryptopipe.aws.SdkClients;
import dev.cryptopipe.local.LocalPipeline;
import dev.cryptopipe.local.LocalState;
import dev.cryptopipe.local.emulator.Emulator;
import dev.cryptopipe.local.provision.Provisioner;
import dev.cryptopipe.local.provision.Template;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.NotFoundException;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * {@code ./cryptopipe rotate-key} and {@code ./cryptopipe rekey}. Both act on AWS_ENDPOINT_URL,
 * else on the emulator of a running {@code ./cryptopipe up}, and refuse to run without either:
 * falling back to the SDK's default endpoints would let a developer's own credentials make
 * them change a real AWS account.
 */
public final class RotationCommands {
    /** Far above a real run (under two minutes for 1,000 data keys on moto); past it the execution goes on by itself. */
    static final Duration REKEY_DEADLINE = Duration.ofMinutes(30);

    private RotationCommands() {
    }

    public static int rotateKey(String[] options, PrintStream out) {
        if (options.length > 0) {
            return usage("rotate-key takes no options");
        }
        Optional<URI> endpoint = attach("rotate-key");
        if (endpoint.isEmpty()) {
            return 2;
        }
        Template template = LocalPipeline.template();
        String alias = template.string(Provisioner.KEY_ALIAS, "AliasName");
        try (KmsClient kms = SdkClients.build(KmsClient.builder())) {
            KeyRotation.Rotated rotated = new KeyRotation(kms).rotate(alias, template.stackName());
            out.println(alias + " now names a new key.");
            out.println("old key " + rotated.oldKeyArn());
            out.println("new key " + rotated.newKeyArn());
            out.println("New data keys are wrapped under the new key. Now run ./cryptopipe rekey, and keep the"
                    + " old key enabled until a rekey run reports rekeyed 0, failed 0.");
            return 0;
        } catch (NotFoundException e) {
            System.err.println("rotate-key: no " + alias + " at " + endpoint.get()
                    + ": start ./cryptopipe up against this emulator first.");
            return 1;
        } catch (SdkClientException e) {
            return unreachable("rotate-key", endpoint.get(), e);
        }
    }

    public static int rekey(String[] options, PrintStream out) throws InterruptedException {
        OptionalInt pageSize = OptionalInt.empty();
        if (options.length == 2 && options[0].equals("--page-size") && options[1].matches("\\d{1,9}")) {
            pageSize = OptionalInt.of(Integer.parseInt(options[1])); // its range is the state machine's to check
        } else if (options.length > 0) {
            return usage("rekey takes one option, --page-size N (data keys per Scan page, 1 to 250; default 100)");
        }
        Optional<URI> endpoint = attach("rekey");
        if (endpoint.isEmpty()) {
            return 2;
        }
        String name = LocalPipeline.template().string(Provisioner.REKEY_STATE_MACHINE, "Name");
        try (SfnClient sfn = SdkClients.build(SfnClient.builder())) {
            Rekey rekey = new Rekey(sfn);
            Optional<String> stateMachine = rekey.findStateMachine(name);
            if (stateMachine.isEmpty()) {
                System.err.println("rekey: no state machine " + name + " at " + endpoint.get()
                        + ": start ./cryptopipe up against this emulator first.");
                return 1;
            }
            Rekey.Outcome outcome = rekey.run(stateMachine.get(), pageSize, REKEY_DEADLINE);
            print(outcome, out);
            return outcome.clean() ? 0 : 1;
        } catch (SdkClientException e) {
            return unreachable("rekey", endpoint.get(), e);
        }
    }

    private static void print(Rekey.Outcome outcome, PrintStream out) {
        String took = String.format(Locale.ROOT, "%.1f s", outcome.took().toMillis() / 1000.0);
        if (outcome.status() == ExecutionStatus.SUCCEEDED) {
            out.println("rekey SUCCEEDED in " + took + ": " + outcome.counts());
        } else if (outcome.status() == ExecutionStatus.RUNNING) {
            out.println("rekey still RUNNING after " + took + "; it goes on by itself.");
        } else {
            out.println("rekey " + outcome.status() + " after " + took + ": " + outcome.error() + ": " + outcome.cause());
        }
        out.println("execution " + outcome.executionArn());
        if (outcome.counts() != null && outcome.counts().failed() > 0) {
            out.println(outcome.counts().failed() + " data keys could not be re-wrapped (see the execution's"
                    + " history); they stay under their old key, which must stay enabled.");
        }
        if (outcome.counts() != null && outcome.counts().skipped() > 0) {
            out.println(outcome.counts().skipped() + " data keys changed during the run and were left as the"
                    + " change made them; run ./cryptopipe rekey again to be sure they are under the new key.");
        }
    }

    /** The emulator with the SDK pointed at it, or empty (and why) when there is none. */
    private static Optional<URI> attach(String command) {
        Optional<URI> endpoint = LocalState.emulatorEndpoint();
        if (endpoint.isEmpty()) {
            System.err.println(command + " acts on the emulator of a running ./cryptopipe up, and none is running."
                    + " Start it, or set AWS_ENDPOINT_URL to the emulator URL from up's ready line:\n"
                    + "  AWS_ENDPOINT_URL=http://127.0.0.1:PORT ./cryptopipe " + command + "\n"
                    + "On AWS, see \"Key rotation\" in README.md.");
            return Optional.empty();
        }
        Emulator.attach(endpoint.get()).applyToSdkSystemProperties();
        return endpoint;
    }

    private static int unreachable(String command, URI endpoint, SdkClientException e) {
        System.err.println(command + ": cannot reach the emulator at " + endpoint + " (" + e.getMessage()
                + "); is ./cryptopipe up still running?");
        return 1;
    }

    private static int usage(String message) {
        System.err.println(message);
        return 2;
    }
}
