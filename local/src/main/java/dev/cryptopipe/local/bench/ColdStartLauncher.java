package dev.cryptopipe.local.bench;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Runs in a fresh JVM whose class path is one function's shaded jar and, after it, only this
 * class (copied out of {@code local} by the bench, so it is in no function jar): loads the
 * function's handler class, initialises it, hands it one event against the emulator, and prints
 * one line {@code coldstart ok=… status=… initMs=… invokeMs=…}. Uses only
 * classes the function jar holds (the Lambda event types) and the JDK; never prints a plaintext.
 *
 * <p>Arguments: {@code intake}, {@code worker} or {@code decrypt <uuid>}. The plaintexts it sends are
 * made up here.
 */
public final class ColdStartLauncher {
    private ColdStartLauncher() {
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        long mainNanos = System.nanoTime();
        String function = args[0];
        String handlerClass = switch (function) {
            case "intake" -> "dev.cryptopipe.intake.IntakeHandler";
            case "worker" -> "dev.cryptopipe.worker.WorkerHandler";
            case "decrypt" -> "dev.cryptopipe.decrypt.DecryptHandler";
            default -> throw new IllegalArgumentException("unknown function " + function);
        };
        Object handler = Class.forName(handlerClass).getConstructor().newInstance();
        long initNanos = System.nanoTime();
        String status;
        boolean ok;
        Context context = new BenchContext(function);
        if (function.equals("worker")) {
            SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
            message.setMessageId(UUID.randomUUID().toString());
            message.setBody("{\"v\": 1, \"uuid\": \"" + UUID.randomUUID() + "\", \"plaintext\": \"" + "cold start ".repeat(93)
                    + "\", \"acceptedAt\": \"" + Instant.now() + "\"}");
            message.setAttributes(Map.of("ApproximateReceiveCount", "1"));
            SQSEvent event = new SQSEvent();
            event.setRecords(List.of(message));
            SQSBatchResponse response = ((RequestHandler<SQSEvent, SQSBatchResponse>) handler).handleRequest(event, context);
            int failures = response.getBatchItemFailures() == null ? 0 : response.getBatchItemFailures().size();
            status = "failures:" + failures;
            ok = failures == 0;
        } else {
            APIGatewayProxyRequestEvent event = new APIGatewayProxyRequestEvent()
                    .withRequestContext(new APIGatewayProxyRequestEvent.ProxyRequestContext()
                            .withRequestId(UUID.randomUUID().toString())
                            .withStage("prod")
                            .withIdentity(new APIGatewayProxyRequestEvent.RequestIdentity().withSourceIp("127.0.0.1")));
            int expected;
            if (function.equals("intake")) {
                event.withHttpMethod("POST").withResource("/encrypt").withPath("/encrypt")
                        .withHeaders(Map.of("Content-Type", "application/json"))
                        .withBody("{\"plaintext\": \"" + "cold start ".repeat(93) + "\"}");
                expected = 202;
            } else {
                event.withHttpMethod("GET").withResource("/records/{uuid}").withPath("/records/" + args[1])
                        .withPathParameters(Map.of("uuid", args[1]))
                        .withHeaders(Map.of("Accept", "application/json"));
                expected = 200;
            }
            APIGatewayProxyResponseEvent response = ((RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent>) handler)
                    .handleRequest(event, context);
            status = String.valueOf(response.getStatusCode());
            ok = response.getStatusCode() != null && response.getStatusCode() == expected;
        }
        long doneNanos = System.nanoTime();
        System.out.println("coldstart ok=" + ok + " status=" + status
                + " initMs=" + (initNanos - mainNanos) / 1_000_000
                + " invokeMs=" + (doneNanos - initNanos) / 1_000_000);
        System.out.flush();
        System.exit(ok ? 0 : 1);
    }

    /** The Lambda context of the one invocation. */
    private record BenchContext(String function) implements Context {
        @Override
        public String getAwsRequestId() {
            return "coldstart";
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/" + function;
        }

        @Override
        public String getLogStreamName() {
            return "coldstart";
        }

        @Override
        public String getFunctionName() {
            return function;
        }

        @Override
        public String getFunctionVersion() {
            return "$LATEST";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:local:000000000000:function:" + function;
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return 30_000;
        }

        @Override
        public int getMemoryLimitInMB() {
            return 1024;
        }

        @Override
        public LambdaLogger getLogger() {
            return new LambdaLogger() {
                @Override
                public void log(String message) {
                    System.err.println(message);
                }

                @Override
                public void log(byte[] message) {
                    System.err.write(message, 0, message.length);
                }
            };
        }
    }
}
