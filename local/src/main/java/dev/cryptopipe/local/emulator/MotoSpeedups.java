package dev.cryptopipe.local.emulator;

/**
 * Python run in the moto server before it starts: makes moto 5.2.5's SQS linear instead of
 * quadratic in the number of queued messages, without changing what it answers.
 *
 * <p>Moto evaluates a queue's attributes (three scans of every message, each message asking a
 * datetime-based clock ~17 µs) several times for every message sent, received or deleted. With
 * thousands of messages queued (a bulk load, a backlog after a crash) each call took 0.1–1 s
 * and a 5,000-record run took most of an hour. Here the clock is read once per scan, through
 * {@code time.time()} (the same UTC epoch), and the pure {@code camelcase_to_underscores} is
 * cached: sending 5,000 messages drops from minutes to about 2 s. Visibility, delays and the
 * approximate counts behave exactly as before. If moto's internals differ (another version), the
 * server starts unchanged and says so in its log.
 */
final class MotoSpeedups {
    static final String PYTHON = """
            def _cryptopipe_speedups():
                import time, functools
                try:
                    import moto.sqs.models as sqs
                    unix_time, unix_time_millis = sqs.unix_time, sqs.unix_time_millis
                    sqs.unix_time = lambda dt=None: time.time() if dt is None else unix_time(dt)
                    sqs.unix_time_millis = lambda dt=None: time.time() * 1000.0 if dt is None else unix_time_millis(dt)
                    sqs.camelcase_to_underscores = functools.lru_cache(maxsize=4096)(sqs.camelcase_to_underscores)
                    sqs.Message.visible = property(lambda self: time.time() * 1000.0 > self.visible_at)
                    sqs.Message.delayed = property(lambda self: time.time() * 1000.0 < self.delayed_until)
                    def messages(self):
                        now = time.time() * 1000.0
                        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]
                    def delayed(self):
                        now = time.time() * 1000.0
                        return sum(1 for m in self._messages if now < m.delayed_until)
                    def not_visible(self):
                        now = time.time() * 1000.0
                        return sum(1 for m in self._messages if not now > m.visible_at)
                    sqs.Queue.messages = property(messages)
                    sqs.Queue.approximate_number_of_messages_delayed = property(delayed)
                    sqs.Queue.approximate_number_of_messages_not_visible = property(not_visible)
                except Exception as e:
                    print("cryptopipe: moto SQS speed-ups not applied:", repr(e), flush=True)
            _cryptopipe_speedups()
            """;

    private MotoSpeedups() {
    }
}
