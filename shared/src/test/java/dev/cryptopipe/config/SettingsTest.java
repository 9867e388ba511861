package dev.cryptopipe.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsTest {
    private static final String QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/111122223333/cryptopipe-requests";

    /** Every setting, set to a valid value. */
    private static Map<String, String> complete() {
        Map<String, String> values = new HashMap<>();
        values.put(SettingNames.RECORDS_TABLE, "records");
        values.put(SettingNames.DATAKEYS_TABLE, "datakeys");
        values.put(SettingNames.REQUEST_QUEUE_URL, QUEUE_URL);
        values.put(SettingNames.KEY_ID, "alias/cryptopipe");
        values.put(SettingNames.EVENT_BUS_NAME, "cryptopipe");
        return values;
    }

    private static Map<String, String> with(String name, String value) {
        Map<String, String> values = complete();
        values.put(name, value);
        return values;
    }

    private static ConfigException assertNamesVariable(String name, Function<Settings, ?> config, Map<String, String> values) {
        ConfigException e = assertThrows(ConfigException.class, () -> config.apply(Settings.of(values)));
        assertTrue(e.getMessage().contains(name), () -> "message should name " + name + ": " + e.getMessage());
        return e;
    }

    // ---- required settings --------------------------------------------------------------

    static Stream<Arguments> requiredSettings() {
        Function<Settings, ?> intake = IntakeConfig::from;
        Function<Settings, ?> worker = WorkerConfig::from;
        Function<Settings, ?> decrypt = DecryptConfig::from;
        return Stream.of(
                Arguments.of("IntakeConfig", intake, SettingNames.REQUEST_QUEUE_URL),
                Arguments.of("WorkerConfig", worker, SettingNames.RECORDS_TABLE),
                Arguments.of("WorkerConfig", worker, SettingNames.DATAKEYS_TABLE),
                Arguments.of("WorkerConfig", worker, SettingNames.KEY_ID),
                Arguments.of("WorkerConfig", worker, SettingNames.EVENT_BUS_NAME),
                Arguments.of("DecryptConfig", decrypt, SettingNames.RECORDS_TABLE),
                Arguments.of("DecryptConfig", decrypt, SettingNames.DATAKEYS_TABLE));
    }

    @ParameterizedTest(name = "{0} without {2}")
    @MethodSource("requiredSettings")
    void aMissingRequiredSettingIsNamed(String configName, Function<Settings, ?> config, String name) {
        Map<String, String> values = complete();
        values.remove(name);

        assertNamesVariable(name, config, values);
    }

    @ParameterizedTest(name = "{0} with blank {2}")
    @MethodSource("requiredSettings")
    void aBlankRequiredSettingIsNamed(String configName, Function<Settings, ?> config, String name) {
        assertNamesVariable(name, config, with(name, "   "));
    }

    @Test
    void completeSettingsBuildEveryConfig() {
        Settings settings = Settings.of(complete());

        IntakeConfig intake = IntakeConfig.from(settings);
        assertEquals(URI.create(QUEUE_URL), intake.requestQueueUrl());

        WorkerConfig worker = WorkerConfig.from(settings);
        assertEquals("records", worker.recordsTable());
        assertEquals("datakeys", worker.dataKeysTable());
        assertEquals("alias/cryptopipe", worker.keyId());
        assertEquals("cryptopipe", worker.eventBusName());

        DecryptConfig decrypt = DecryptConfig.from(settings);
        assertEquals("records", decrypt.recordsTable());
        assertEquals("datakeys", decrypt.dataKeysTable());
    }

    @Test
    void requiredValuesAreTrimmed() {
        assertEquals("records", DecryptConfig.from(Settings.of(with(SettingNames.RECORDS_TABLE, "  records\n"))).recordsTable());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a url", "sqs-queue", "/relative/path", "https://", "mailto:ops@example.com", "file:///tmp/queue"})
    void aQueueUrlMustBeAbsolute(String value) {
        assertNamesVariable(SettingNames.REQUEST_QUEUE_URL, IntakeConfig::from, with(SettingNames.REQUEST_QUEUE_URL, value));
    }

    // ---- defaults -----------------------------------------------------------------------

    @Test
    void defaultsApplyWhenOptionalSettingsAreUnset() {
        WorkerConfig worker = WorkerConfig.from(Settings.of(complete()));

        assertEquals(131_072, worker.limits().maxPlaintextBytes());
        assertEquals(10_000, worker.dataKeyMaxRecords());
        assertEquals(Duration.parse("PT5M"), worker.dataKeyMaxAge());
        assertEquals(131_072, IntakeConfig.from(Settings.of(complete())).limits().maxPlaintextBytes());
    }

    @Test
    void blankOptionalSettingsFallBackToDefaults() {
        Map<String, String> values = complete();
        values.put(SettingNames.MAX_PLAINTEXT_BYTES, "");
        values.put(SettingNames.DATA_KEY_MAX_RECORDS, " ");
        values.put(SettingNames.DATA_KEY_MAX_AGE, "");

        WorkerConfig worker = WorkerConfig.from(Settings.of(values));

        assertEquals(131_072, worker.limits().maxPlaintextBytes());
        assertEquals(10_000, worker.dataKeyMaxRecords());
        assertEquals(Duration.ofMinutes(5), worker.dataKeyMaxAge());
    }

    @Test
    void optionalSettingsOverrideDefaults() {
        Map<String, String> values = complete();
        values.put(SettingNames.MAX_PLAINTEXT_BYTES, "4096");
        values.put(SettingNames.DATA_KEY_MAX_RECORDS, " 1 ");
        values.put(SettingNames.DATA_KEY_MAX_AGE, "PT2M30S");

        WorkerConfig worker = WorkerConfig.from(Settings.of(values));

        assertEquals(4096, worker.limits().maxPlaintextBytes());
        assertEquals(1, worker.dataKeyMaxRecords());
        assertEquals(Duration.ofSeconds(150), worker.dataKeyMaxAge());
        assertEquals(4096, IntakeConfig.from(Settings.of(values)).limits().maxPlaintextBytes());
    }

    @Test
    void aDurationMayBeGivenInSeconds() {
        assertEquals(Duration.ofMinutes(5),
                WorkerConfig.from(Settings.of(with(SettingNames.DATA_KEY_MAX_AGE, "300"))).dataKeyMaxAge());
        assertEquals(Duration.ofSeconds(90),
                WorkerConfig.from(Settings.of(with(SettingNames.DATA_KEY_MAX_AGE, "90"))).dataKeyMaxAge());
    }

    // ---- bad values ---------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"12x", "1.5", "lots", "0", "-1", "99999999999"})
    void aBadOrNonPositiveIntegerIsNamed(String value) {
        assertNamesVariable(SettingNames.MAX_PLAINTEXT_BYTES, WorkerConfig::from, with(SettingNames.MAX_PLAINTEXT_BYTES, value));
        assertNamesVariable(SettingNames.MAX_PLAINTEXT_BYTES, IntakeConfig::from, with(SettingNames.MAX_PLAINTEXT_BYTES, value));
        assertNamesVariable(SettingNames.DATA_KEY_MAX_RECORDS, WorkerConfig::from, with(SettingNames.DATA_KEY_MAX_RECORDS, value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5 minutes", "5m", "PT", "P", "-300", "1.5"})
    void aBadDurationIsNamed(String value) {
        assertNamesVariable(SettingNames.DATA_KEY_MAX_AGE, WorkerConfig::from, with(SettingNames.DATA_KEY_MAX_AGE, value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "PT0S", "-PT1M", "PT-5M"})
    void aNonPositiveDurationIsNamed(String value) {
        assertNamesVariable(SettingNames.DATA_KEY_MAX_AGE, WorkerConfig::from, with(SettingNames.DATA_KEY_MAX_AGE, value));
    }

    /** A duration so long that adding it to a time would overflow must stop the function at init, not at the first seal. */
    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775807", "P366D", "PT2562047788015215H"})
    void anOverlongDurationIsNamed(String value) {
        assertNamesVariable(SettingNames.DATA_KEY_MAX_AGE, WorkerConfig::from, with(SettingNames.DATA_KEY_MAX_AGE, value));
    }

    // ---- environment --------------------------------------------------------------------

    @Test
    void aSystemPropertyStandsInForAnUnsetEnvironmentVariable() {
        String name = "CRYPTOPIPE_TEST_" + UUID.randomUUID().toString().replace('-', '_');
        assertThrows(ConfigException.class, () -> Settings.fromEnvironment().required(name));
        System.setProperty(name, "from-property");
        try {
            assertEquals("from-property", Settings.fromEnvironment().required(name));
        } finally {
            System.clearProperty(name);
        }
    }
}
