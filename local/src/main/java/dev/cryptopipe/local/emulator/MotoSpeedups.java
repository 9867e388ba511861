package dev.cryptopipe.local.emulator;

/**
 * Python run in the moto server before it starts, so that moto 5.2.5 behaves like SQS and
 * DynamoDB under the load of a bulk run, and spends its time on the calls rather than on itself,
 * without changing what it answers.
 *
 * <p><b>Speed.</b> Moto evaluates a queue's attributes (three scans of every message, each
 * message asking a datetime-based clock ~17 µs) several times for every message sent, received
 * or deleted. With thousands of messages queued (a bulk load, a backlog after a crash) each call
 * took 0.1–1 s and a 5,000-record run most of an hour. Here the clock is read once per scan,
 * through {@code time.time()} (the same UTC epoch), and the pure {@code camelcase_to_underscores}
 * is cached: sending 5,000 messages drops from minutes to about 2 s.
 *
 * <p><b>Atomicity.</b> Moto's server answers requests on many threads, but its SQS model has no
 * lock around what a request changes: concurrent receives hand out the same message twice,
 * and a delete that rebuilds the message list while a send appends to it loses the sent message.
 * SQS does neither. Here every SQS change (send, delete, visibility, purge, and each receive pass)
 * runs under one lock; a long-polling receive waits outside it. Conditional DynamoDB writes
 * likewise check and write under a lock, as DynamoDB does.
 *
 * <p><b>Per-request overhead.</b> Profiled under the bench (py-spy), a third of the server's time
 * went to rebuilding a JSONPath parser (its yacc tables) eight times for every event an
 * EventBridge rule delivers, a seventh to listing moto's package folder on disk to route each
 * request, and an eighth to writing one log line per request. Here parsed JSONPath expressions
 * and the folder listing are cached, and the per-request log is off (warnings and errors stay):
 * the pipeline's throughput on the emulator went from 62 to 141 records/s.
 *
 * <p>If moto's internals differ (another version), the server starts unchanged and says so in its log.
 */
final class MotoSpeedups {
    static final String PYTHON = """
            def _cryptopipe_patches():
                import time, functools, threading
                def under(lock, fn):
                    @functools.wraps(fn)
                    def locked(*args, **kwargs):
                        with lock:
                            return fn(*args, **kwargs)
                    return locked
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
                    lock = threading.RLock()
                    for name in ("send_message", "send_message_batch", "delete_message", "delete_message_batch",
                                 "change_message_visibility", "change_message_visibility_batch", "purge_queue"):
                        setattr(sqs.SQSBackend, name, under(lock, getattr(sqs.SQSBackend, name)))
                    receive = sqs.SQSBackend.receive_message
                    def receive_message(self, queue_name, count, wait_seconds_timeout, visibility_timeout,
                                        message_attribute_names=None):
                        deadline = time.time() + float(wait_seconds_timeout or 0)
                        while True:
                            with lock:
                                result = receive(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
                            left = deadline - time.time()
                            if result or left <= 0:
                                return result
                            time.sleep(min(0.05, left))
                    sqs.SQSBackend.receive_message = receive_message
                except Exception as e:
                    print("cryptopipe: moto SQS patches not applied:", repr(e), flush=True)
                try:
                    import moto.dynamodb.models as dynamodb
                    lock = threading.RLock()
                    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
                        setattr(dynamodb.DynamoDBBackend, name, under(lock, getattr(dynamodb.DynamoDBBackend, name)))
                except Exception as e:
                    print("cryptopipe: moto DynamoDB patches not applied:", repr(e), flush=True)
                try:
                    import moto.backends as backends
                    modules = tuple(backends.list_of_moto_modules())
                    backends.list_of_moto_modules = lambda: modules
                    import jsonpath_ng.ext
                    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.parse)
                except Exception as e:
                    print("cryptopipe: moto dispatch patches not applied:", repr(e), flush=True)
                import logging
                logging.getLogger("werkzeug").setLevel(logging.WARNING)
                print("cryptopipe: moto's per-request log is off; warnings and errors are still logged", flush=True)
            _cryptopipe_patches()
            """;

    private MotoSpeedups() {
    }
}
