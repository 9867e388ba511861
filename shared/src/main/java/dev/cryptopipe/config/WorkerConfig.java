package dev.cryptopipe.config;

import dev.cryptopipe.core.Limits;
import java.time.Duration;

/** What the worker needs: the tables, the KMS key, the event bus and the data-key reuse limits. */
public record WorkerConfig(
        String recordsTable,
        String dataKeysTable,
        String keyId,
        String eventBusName,
        Limits limits,
        int dataKeyMaxRecords,
        Duration dataKeyMaxAge) {

    public static final int DEFAULT_DATA_KEY_MAX_RECORDS = 10_000;
    public static final Duration DEFAULT_DATA_KEY_MAX_AGE = Duration.ofMinutes(5);

    public static WorkerConfig from(Settings settings) {
        return new WorkerConfig(
                settings.required(SettingNames.RECORDS_TABLE),
                settings.required(SettingNames.DATAKEYS_TABLE),
                settings.required(SettingNames.KEY_ID),
                settings.required(SettingNames.EVENT_BUS_NAME),
                new Limits(settings.positiveInt(SettingNames.MAX_PLAINTEXT_BYTES, Limits.DEFAULT_MAX_PLAINTEXT_BYTES)),
                settings.positiveInt(SettingNames.DATA_KEY_MAX_RECORDS, DEFAULT_DATA_KEY_MAX_RECORDS),
                settings.positiveDuration(SettingNames.DATA_KEY_MAX_AGE, DEFAULT_DATA_KEY_MAX_AGE));
    }
}
