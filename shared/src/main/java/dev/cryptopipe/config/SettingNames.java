package dev.cryptopipe.config;

/** The environment variables cryptopipe reads; template.yaml sets them per function. */
public final class SettingNames {
    public static final String RECORDS_TABLE = "RECORDS_TABLE";
    public static final String DATAKEYS_TABLE = "DATAKEYS_TABLE";
    public static final String REQUEST_QUEUE_URL = "REQUEST_QUEUE_URL";
    public static final String KEY_ID = "KEY_ID";
    public static final String EVENT_BUS_NAME = "EVENT_BUS_NAME";
    public static final String MAX_PLAINTEXT_BYTES = "MAX_PLAINTEXT_BYTES";
    public static final String DATA_KEY_MAX_RECORDS = "DATA_KEY_MAX_RECORDS";
    public static final String DATA_KEY_MAX_AGE = "DATA_KEY_MAX_AGE";

    private SettingNames() {
    }
}
