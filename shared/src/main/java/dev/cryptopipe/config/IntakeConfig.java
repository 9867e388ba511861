package dev.cryptopipe.config;

import dev.cryptopipe.core.Limits;
import java.net.URI;

/** What the intake function needs: where to queue requests, and how large they may be. */
public record IntakeConfig(URI requestQueueUrl, Limits limits) {
    public static IntakeConfig from(Settings settings) {
        return new IntakeConfig(
                settings.requiredUri(SettingNames.REQUEST_QUEUE_URL),
                new Limits(settings.positiveInt(SettingNames.MAX_PLAINTEXT_BYTES, Limits.DEFAULT_MAX_PLAINTEXT_BYTES)));
    }
}
