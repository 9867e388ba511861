package dev.cryptopipe.config;

/** What the decrypt function needs: the two tables it reads. */
public record DecryptConfig(String recordsTable, String dataKeysTable) {
    public static DecryptConfig from(Settings settings) {
        return new DecryptConfig(
                settings.required(SettingNames.RECORDS_TABLE),
                settings.required(SettingNames.DATAKEYS_TABLE));
    }
}
