package dev.cryptopipe.local;

import dev.cryptopipe.local.emulator.Emulator;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * One AWS emulator for the whole test run, shared by every class that uses this extension and
 * closed when the run ends. It is the endpoint given in {@code AWS_ENDPOINT_URL} (or
 * {@code aws.endpointUrl}) if any, else LocalStack where a Docker engine answers, else moto.
 * Before each class, SDK clients of this JVM are pointed at it; a test may also take it as an
 * {@link Emulator} parameter. {@link Emulator#reset()} works only on moto: check
 * {@link Emulator#isMoto()} first.
 */
public final class EmulatorExtension implements BeforeAllCallback, ParameterResolver {

    /** Pinned: LocalStack's newer images ("latest" among them) refuse to run without an auth token. */
    static final DockerImageName LOCALSTACK_IMAGE = DockerImageName.parse("localstack/localstack:3.8.1");

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(EmulatorExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        // Again per class: a test in between may have pointed the SDK elsewhere.
        emulator(context).applyToSdkSystemProperties();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Emulator.class;
    }

    @Override
    public Emulator resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Emulator emulator = emulator(context);
        emulator.applyToSdkSystemProperties();
        return emulator;
    }

    /** Why Testcontainers cannot be used here, or empty when a Docker engine answers. */
    static Optional<String> dockerUnavailableReason() {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return Optional.empty();
        }
        String host = System.getenv("DOCKER_HOST");
        return Optional.of("Testcontainers found no working Docker environment (DOCKER_HOST="
                + (host == null ? "unset, so the default socket" : host) + ")");
    }

    static LocalStackContainer startLocalStack() {
        LocalStackContainer container = new LocalStackContainer(LOCALSTACK_IMAGE);
        container.start();
        return container;
    }

    private static Emulator emulator(ExtensionContext context) {
        // The root store lives for the whole run and closes what it holds (AutoCloseable) at its end.
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Shared.class, key -> Shared.start(), Shared.class)
                .emulator();
    }

    /** The run's emulator and, for LocalStack, the container it lives in. */
    private record Shared(Emulator emulator, LocalStackContainer container) implements AutoCloseable {

        static Shared start() {
            if (Emulator.configuredEndpoint().isPresent()) {
                return new Shared(Emulator.startOrAttach(), null);
            }
            if (dockerUnavailableReason().isEmpty()) {
                LocalStackContainer container = startLocalStack();
                return new Shared(Emulator.attach(container.getEndpoint()), container);
            }
            return new Shared(Emulator.startMoto(), null);
        }

        @Override
        public void close() {
            emulator.close();
            if (container != null) {
                container.stop();
            }
        }
    }
}
