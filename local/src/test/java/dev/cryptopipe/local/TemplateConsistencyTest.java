package dev.cryptopipe.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.cryptopipe.config.ConfigException;
import dev.cryptopipe.config.SettingNames;
import dev.cryptopipe.config.Settings;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * template.yaml, functions/openapi.yaml, the code and the local gateway name the same things:
 * every function's CodeUri is a module of the build holding its Handler; every environment
 * variable a function is given is read by that function's code and every variable its code reads
 * is given; every API route is integrated with, allowed to invoke, and served by the function
 * whose handler answers it, with the documented auth; and the local gateway serves exactly the
 * documented routes. The code side is derived from the code (its bytecode, and its settings
 * classes run against a recording map), not from a list kept by hand.
 */
class TemplateConsistencyTest {
    private static final Path ROOT = LocalProcess.repositoryRoot();
    private static final Path TEMPLATE_FILE = ROOT.resolve("template.yaml");
    private static final Path LOCAL_PIPELINE_SOURCE = ROOT.resolve("local/src/main/java/dev/cryptopipe/local/LocalPipeline.java");

    /**
     * Variables a function may be given that no cryptopipe code reads, each with the reason.
     * Anything else the template sets must be read by that function's code.
     */
    private static final Map<String, String> NOT_READ_BY_OUR_CODE = Map.of(
            "JAVA_TOOL_OPTIONS", "read by the JVM itself when it starts (JIT flags for a quick start after a SnapStart restore)");

    /**
     * Who may call the routes of each API function (DESIGN.md, HTTP API): producers with an API
     * key; decrypt, which answers plaintext, only with a SigV4-signed (IAM) request.
     */
    private static final Map<String, String> SECURITY_SCHEME_OF_FUNCTION = Map.of(
            "IntakeFunction", "api_key",
            "DecryptFunction", "sigv4");

    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]+)}");
    private static final Pattern ALIAS_INVOCATION = Pattern.compile(
            "^arn:\\$\\{AWS::Partition}:apigateway:\\$\\{AWS::Region}:lambda:path/2015-03-31/functions/\\$\\{(\\w+)}/invocations$");
    private static final Pattern EXECUTE_API_ARN = Pattern.compile(
            "^arn:\\$\\{AWS::Partition}:execute-api:\\$\\{AWS::Region}:\\$\\{AWS::AccountId}:\\$\\{(\\w+)}/([^/]+)/([A-Z]+)(/.*)$");
    private static final Pattern GATEWAY_ROUTE = Pattern.compile(
            "new\\s+Route\\(\\s*\"([A-Z]+)\"\\s*,\\s*\"([^\"]+)\"\\s*,\\s*\"([^\"]+)\"\\s*,\\s*(\\w+)\\s*\\)");
    private static final Pattern GETENV_LITERAL = Pattern.compile("System\\.getenv\\(\\s*\"([^\"]+)\"\\s*\\)");

    /** The template in CloudFormation's long form: {@code !Ref X} as {"Ref": "X"}, {@code !Sub s} as {"Fn::Sub": s}. */
    private static JsonNode template;
    private static ApiDocument api;

    @BeforeAll
    static void read() {
        template = readTemplate(TEMPLATE_FILE);
        api = ApiDocument.ofTemplate(TEMPLATE_FILE);
    }

    // ---------------------------------------------------------------- CodeUri and Handler ---------

    @Test
    void everyFunctionIsAModuleOfTheBuildHoldingItsHandler() throws Exception {
        String parentPom = Files.readString(ROOT.resolve("pom.xml"));
        Set<String> modules = matches(Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>"), parentPom);
        String release = first(Pattern.compile("<maven\\.compiler\\.release>(\\d+)</maven\\.compiler\\.release>"), parentPom);
        List<String> problems = new ArrayList<>();
        Map<String, JsonNode> functions = functions();
        assertFalse(functions.isEmpty(), "template.yaml declares no function");
        for (String function : functions.keySet()) {
            String runtime = functionProperty(function, "Runtime").asText();
            if (!runtime.equals("java" + release)) {
                problems.add(function + ": Runtime " + runtime + " but the build compiles for Java " + release);
            }
            JsonNode codeUri = functionProperty(function, "CodeUri");
            if (!codeUri.isTextual() || codeUri.asText().startsWith("s3://")) {
                problems.add(function + ": CodeUri must be a folder of this repository, is " + codeUri);
                continue;
            }
            String moduleName = codeUri.asText().replaceAll("/+$", "");
            Path module = ROOT.resolve(moduleName).normalize();
            if (!Files.isRegularFile(module.resolve("pom.xml"))) {
                problems.add(function + ": CodeUri " + moduleName + " has no pom.xml (SAM's Maven build needs one)");
                continue;
            }
            if (!modules.contains(moduleName)) {
                problems.add(function + ": CodeUri " + moduleName + " is not a <module> of the parent pom, so `mvn install` does not build it");
            }
            String handler = functionProperty(function, "Handler").asText();
            String[] parts = handler.split("::", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                problems.add(function + ": Handler '" + handler + "' is not class::method");
                continue;
            }
            Path source = module.resolve("src/main/java").resolve(parts[0].replace('.', '/') + ".java");
            if (!Files.isRegularFile(source)) {
                problems.add(function + ": Handler class " + parts[0] + " has no source in " + moduleName + " (" + ROOT.relativize(source) + ")");
                continue;
            }
            Class<?> type = Class.forName(parts[0]);
            String artifactId = artifactId(module.resolve("pom.xml"));
            String location = type.getProtectionDomain().getCodeSource().getLocation().getPath();
            if (!location.contains("/" + artifactId + "-") && !location.contains("/" + moduleName + "/target/")) {
                problems.add(function + ": " + parts[0] + " was loaded from " + location + ", not from module " + moduleName);
            }
            if (!RequestHandler.class.isAssignableFrom(type) && !RequestStreamHandler.class.isAssignableFrom(type)) {
                problems.add(function + ": " + parts[0] + " is not a Lambda RequestHandler or RequestStreamHandler");
            }
            boolean found = Arrays.stream(type.getMethods()).anyMatch(method -> method.getName().equals(parts[1])
                    && !Modifier.isStatic(method.getModifiers())
                    && method.getParameterCount() >= 2
                    && method.getParameterTypes()[method.getParameterCount() - 1] == Context.class);
            if (!found) {
                problems.add(function + ": " + parts[0] + " has no public instance method " + parts[1] + "(…, Context)");
            }
        }
        assertNoProblems(problems);
    }

    // ---------------------------------------------------------------- environment -----------------

    @Test
    void everyVariableAFunctionIsGivenIsReadByItsCodeAndEveryVariableItReadsIsGiven() throws Exception {
        List<String> problems = new ArrayList<>();
        for (String function : functions().keySet()) {
            Set<String> given = environment(function).keySet();
            Map<String, String> read = variablesReadBy(handlerClass(function));
            for (String name : given) {
                if (!read.containsKey(name) && !NOT_READ_BY_OUR_CODE.containsKey(name)) {
                    problems.add(function + ": the template sets " + name + " but the function's code never reads it");
                }
            }
            read.forEach((name, reader) -> {
                if (!given.contains(name)) {
                    problems.add(function + ": " + reader + " reads " + name + " but the template does not set it for this function");
                }
            });
        }
        assertNoProblems(problems);
    }

    @Test
    void everyDeclaredSettingIsReadByASettingsClassAndOnlyDeclaredOnesAre() throws Exception {
        Set<String> declared = new TreeSet<>();
        for (Field field : SettingNames.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                field.setAccessible(true);
                declared.add((String) field.get(null));
            }
        }
        Set<String> read = new TreeSet<>();
        for (String function : functions().keySet()) {
            for (Class<?> reader : settingsReaders(reachableClasses(handlerClass(function)))) {
                read.addAll(settingsAskedFor(reader));
            }
        }
        assertFalse(declared.isEmpty(), "SettingNames declares no setting");
        assertEquals(declared, read, "SettingNames (the settings the documentation lists) against the settings the functions' config classes ask for");
    }

    @Test
    void everyReferenceInAFunctionsEnvironmentNamesSomethingOfTheTemplate() {
        Set<String> known = new HashSet<>();
        template.path("Parameters").fieldNames().forEachRemaining(known::add);
        template.path("Resources").fieldNames().forEachRemaining(known::add);
        List<String> problems = new ArrayList<>();
        for (String function : functions().keySet()) {
            environment(function).forEach((name, value) -> {
                for (String target : references(value)) {
                    String base = target.split("\\.", 2)[0];
                    if (!target.startsWith("AWS::") && !known.contains(base)) {
                        problems.add(function + ": " + name + " refers to " + target + ", which is no parameter or resource");
                    }
                }
            });
        }
        assertNoProblems(problems);
    }

    // ---------------------------------------------------------------- API routes ------------------

    @Test
    void everyRouteIsIntegratedWithTheFunctionWhoseHandlerServesIt() throws Exception {
        Map<String, String> functionOfRoute = functionOfRoute();
        assertFalse(functionOfRoute.isEmpty(), api.file() + " documents no route");
        List<String> problems = new ArrayList<>();
        Set<String> apiFunctions = new TreeSet<>(functionOfRoute.values());
        for (String function : apiFunctions) {
            Class<?> handler = handlerClass(function);
            @SuppressWarnings("unchecked")
            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> instance =
                    (RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent>) withoutServices(handler);
            for (String route : functionOfRoute.keySet()) {
                APIGatewayProxyResponseEvent response = instance.handleRequest(requestWithoutBody(route), new LocalContext(function, Duration.ofSeconds(10)));
                int status = response.getStatusCode();
                boolean ownRoute = functionOfRoute.get(route).equals(function);
                // A handler answers a route it does not know with 404; its own routes, called with
                // no body and an invalid uuid, with a 4xx that says what is missing.
                if (ownRoute && (status == 404 || status >= 500)) {
                    problems.add(route + " is integrated with " + function + " but " + handler.getSimpleName()
                            + " does not serve it (answered " + status + " " + response.getBody() + ")");
                }
                if (!ownRoute && status != 404) {
                    problems.add(route + " is integrated with " + functionOfRoute.get(route) + " but " + handler.getSimpleName()
                            + " of " + function + " also answers it (" + status + ")");
                }
            }
        }
        assertNoProblems(problems);
    }

    @Test
    void theTemplateDeclaresNoRouteOutsideTheApiDocument() {
        Set<String> documented = functionOfRoute().keySet();
        List<String> problems = new ArrayList<>();
        for (String function : functions().keySet()) {
            functionProperty(function, "Events").properties().forEach(event -> {
                JsonNode properties = event.getValue().path("Properties");
                if (Set.of("Api", "HttpApi").contains(event.getValue().path("Type").asText())) {
                    String route = properties.path("Method").asText().toUpperCase(java.util.Locale.ROOT) + " " + properties.path("Path").asText();
                    if (!documented.contains(route)) {
                        problems.add(function + " event " + event.getKey() + " declares " + route + ", which " + api.file().getFileName() + " does not document");
                    }
                }
            });
        }
        assertNoProblems(problems);
    }

    @Test
    void everyRouteMayInvokeItsFunctionAndNoOtherInvocationIsAllowed() {
        String apiId = apiResource();
        String stage = template.path("Resources").path(apiId).path("Properties").path("StageName").asText();
        Set<String> expected = new TreeSet<>();
        functionOfRoute().forEach((route, function) -> {
            String[] parts = route.split(" ", 2);
            expected.add(function + " " + parts[0] + " " + sourceArnPath(parts[1]));
        });
        Set<String> allowed = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        template.path("Resources").properties().forEach(resource -> {
            JsonNode properties = resource.getValue().path("Properties");
            if (!"AWS::Lambda::Permission".equals(resource.getValue().path("Type").asText())
                    || !"apigateway.amazonaws.com".equals(properties.path("Principal").asText())) {
                return;
            }
            String function = properties.path("FunctionName").path("Ref").asText();
            String alias = function.endsWith(".Alias") ? function.substring(0, function.length() - ".Alias".length()) : null;
            if (alias == null || !functions().containsKey(alias)) {
                problems.add(resource.getKey() + ": FunctionName should be !Ref <Function>.Alias (the SnapStart alias the API invokes), is " + properties.path("FunctionName"));
                return;
            }
            Matcher arn = EXECUTE_API_ARN.matcher(properties.path("SourceArn").path("Fn::Sub").asText());
            if (!arn.matches()) {
                problems.add(resource.getKey() + ": SourceArn is not an execute-api ARN of one route: " + properties.path("SourceArn"));
                return;
            }
            if (!arn.group(1).equals(apiId) || !arn.group(2).equals(stage)) {
                problems.add(resource.getKey() + ": SourceArn names API " + arn.group(1) + " stage " + arn.group(2) + ", not " + apiId + " stage " + stage);
            }
            allowed.add(alias + " " + arn.group(3) + " " + arn.group(4));
        });
        assertNoProblems(problems);
        assertEquals(expected, allowed, "the routes that may invoke each function (AWS::Lambda::Permission) against the routes integrated with it");
    }

    @Test
    void encryptRoutesNeedAnApiKeyAndDecryptRoutesASignatureWhichTheCallerPolicyGrants() {
        JsonNode schemes = api.root().path("components").path("securitySchemes");
        assertEquals("x-api-key", schemes.path("api_key").path("name").asText(), "the api_key scheme is API Gateway's x-api-key header");
        assertEquals("awsSigv4", schemes.path("sigv4").path("x-amazon-apigateway-authtype").asText(), "the sigv4 scheme is IAM auth");
        List<String> problems = new ArrayList<>();
        Set<String> signedRoutes = new TreeSet<>();
        functionOfRoute().forEach((route, function) -> {
            String scheme = SECURITY_SCHEME_OF_FUNCTION.get(function);
            ApiDocument.Operation operation = operation(route);
            Set<String> schemesOfRoute = new TreeSet<>();
            operation.node().path("security").forEach(requirement -> requirement.fieldNames().forEachRemaining(schemesOfRoute::add));
            if (scheme == null) {
                problems.add(route + " is served by " + function + ", which has no agreed security scheme in this test");
            } else if (!schemesOfRoute.equals(Set.of(scheme))) {
                problems.add(route + " (" + function + ") must require exactly " + scheme + ", requires " + schemesOfRoute);
            }
            if (schemesOfRoute.contains("sigv4")) {
                String[] parts = route.split(" ", 2);
                signedRoutes.add(parts[0] + " " + sourceArnPath(parts[1]));
            }
        });
        assertNoProblems(problems);

        JsonNode policy = template.path("Resources").path("DecryptCallerPolicy");
        assertEquals("AWS::IAM::ManagedPolicy", policy.path("Type").asText(), "template.yaml has the DecryptCallerPolicy the README tells callers to attach");
        Set<String> granted = new TreeSet<>();
        for (JsonNode statement : policy.path("Properties").path("PolicyDocument").path("Statement")) {
            assertEquals("Allow", statement.path("Effect").asText());
            assertEquals("execute-api:Invoke", statement.path("Action").asText(), "DecryptCallerPolicy grants only execute-api:Invoke");
            for (JsonNode resource : statement.path("Resource")) {
                Matcher arn = EXECUTE_API_ARN.matcher(resource.path("Fn::Sub").asText());
                assertTrue(arn.matches(), "DecryptCallerPolicy resource is one route of the API: " + resource);
                granted.add(arn.group(3) + " " + arn.group(4));
            }
        }
        assertEquals(signedRoutes, granted, "DecryptCallerPolicy grants exactly the routes that need a SigV4 signature");

        JsonNode stages = template.path("Resources").path("EncryptUsagePlan").path("Properties").path("ApiStages");
        assertTrue(stages.isArray() && stages.size() == 1
                        && stages.get(0).path("ApiId").path("Ref").asText().equals(apiResource()),
                "the usage plan of the encrypt API key covers the API: " + stages);
    }

    @Test
    void theLocalGatewayServesExactlyTheDocumentedRoutesWithTheSameFunctions() throws IOException {
        String source = Files.readString(LOCAL_PIPELINE_SOURCE);
        Map<String, String> functionOfRoute = functionOfRoute();
        Map<String, String[]> gateway = new TreeMap<>();
        Matcher route = GATEWAY_ROUTE.matcher(source);
        while (route.find()) {
            String variable = route.group(4);
            String type = first(Pattern.compile("(\\w+)\\s+" + variable + "\\s*="), source);
            gateway.put(route.group(1) + " " + route.group(2), new String[] {route.group(3), type});
        }
        assertFalse(gateway.isEmpty(), "found no `new Route(\"METHOD\", \"/path\", \"function\", handler)` in " + ROOT.relativize(LOCAL_PIPELINE_SOURCE));
        assertEquals(new TreeSet<>(functionOfRoute.keySet()), gateway.keySet(),
                "the routes of " + api.file().getFileName() + " against the routes the local gateway serves");
        List<String> problems = new ArrayList<>();
        functionOfRoute.forEach((documented, function) -> {
            String[] local = gateway.get(documented);
            String name = functionProperty(function, "FunctionName").path("Fn::Sub").asText().replace("${AWS::StackName}-", "");
            String handler = functionProperty(function, "Handler").asText().split("::")[0];
            if (!local[0].equals(name)) {
                problems.add(documented + ": the local gateway calls it function '" + local[0] + "', the template '" + name + "'");
            }
            if (!handler.endsWith("." + local[1])) {
                problems.add(documented + ": the local gateway serves it with a " + local[1] + ", the template with " + handler);
            }
        });
        assertNoProblems(problems);
    }

    // ---------------------------------------------------------------- README, Deploy -------------

    @Test
    void theReadmeDeploySectionDocumentsEveryParameterOutputAndAlarm() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("\n## Deploy\n");
        assertTrue(start >= 0, "README.md has a \"## Deploy\" section");
        int end = readme.indexOf("\n## ", start + 1);
        String deploy = readme.substring(start, end < 0 ? readme.length() : end);
        List<String> problems = new ArrayList<>();
        template.path("Parameters").properties().forEach(parameter -> {
            String value = parameter.getValue().path("Default").asText();
            String shown = value.isEmpty() ? "*(empty)*" : "`" + value + "`";
            boolean listed = deploy.lines().anyMatch(line -> line.startsWith("| `" + parameter.getKey() + "` | " + shown + " |"));
            if (!listed) {
                problems.add("parameter " + parameter.getKey() + " is not in the Deploy section's table with its default " + shown);
            }
        });
        template.path("Outputs").fieldNames().forEachRemaining(output -> {
            if (!deploy.contains("`" + output + "`")) {
                problems.add("output " + output + " is not in the Deploy section");
            }
        });
        template.path("Resources").properties().forEach(resource -> {
            if ("AWS::CloudWatch::Alarm".equals(resource.getValue().path("Type").asText())) {
                String name = resource.getValue().path("Properties").path("AlarmName").path("Fn::Sub").asText()
                        .replace("${AWS::StackName}", "<stack>");
                if (!deploy.contains("| `" + name + "` |")) {
                    problems.add("alarm " + name + " (" + resource.getKey() + ") is not in the Deploy section's alarm table");
                }
            }
        });
        assertNoProblems(problems);
    }

    // ---------------------------------------------------------------- template helpers ------------

    /** Reads YAML keeping CloudFormation's short-form tags, as the long form they stand for. */
    static JsonNode readTemplate(Path file) {
        try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
            parser.nextToken();
            return node(parser);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static JsonNode node(YAMLParser parser) throws IOException {
        String tag = parser.getTypeId();
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        JsonNode value;
        if (parser.currentToken() == JsonToken.START_OBJECT) {
            ObjectNode object = nodes.objectNode();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                object.set(name, node(parser));
            }
            value = object;
        } else if (parser.currentToken() == JsonToken.START_ARRAY) {
            ArrayNode array = nodes.arrayNode();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                array.add(node(parser));
            }
            value = array;
        } else if (parser.currentToken() == JsonToken.VALUE_NULL) {
            value = NullNode.getInstance();
        } else {
            value = TextNode.valueOf(parser.getText());
        }
        if (tag == null || tag.isEmpty()) {
            return value;
        }
        ObjectNode function = nodes.objectNode();
        function.set(tag.equals("Ref") || tag.equals("Condition") ? tag : "Fn::" + tag, value);
        return function;
    }

    private static Map<String, JsonNode> functions() {
        Map<String, JsonNode> functions = new LinkedHashMap<>();
        template.path("Resources").properties().forEach(resource -> {
            String type = resource.getValue().path("Type").asText();
            if (type.equals("AWS::Serverless::Function") || type.equals("AWS::Lambda::Function")) {
                functions.put(resource.getKey(), resource.getValue());
            }
        });
        return functions;
    }

    /** A function's own property, else the one Globals gives every function. */
    private static JsonNode functionProperty(String function, String property) {
        JsonNode own = template.path("Resources").path(function).path("Properties").path(property);
        return own.isMissingNode() ? template.path("Globals").path("Function").path(property) : own;
    }

    private static Map<String, JsonNode> environment(String function) {
        Map<String, JsonNode> variables = new LinkedHashMap<>();
        for (JsonNode source : List.of(
                template.path("Globals").path("Function").path("Environment").path("Variables"),
                template.path("Resources").path(function).path("Properties").path("Environment").path("Variables"))) {
            source.properties().forEach(variable -> variables.put(variable.getKey(), variable.getValue()));
        }
        return variables;
    }

    private static Class<?> handlerClass(String function) throws ClassNotFoundException {
        return Class.forName(functionProperty(function, "Handler").asText().split("::")[0]);
    }

    /** The names a value refers to: Ref and GetAtt targets, ${…} of Sub. */
    private static Set<String> references(JsonNode value) {
        Set<String> names = new TreeSet<>();
        if (value.isObject()) {
            value.properties().forEach(field -> {
                switch (field.getKey()) {
                    case "Ref", "Fn::GetAtt" -> names.add(field.getValue().isArray()
                            ? field.getValue().get(0).asText() : field.getValue().asText());
                    case "Fn::Sub" -> {
                        String text = field.getValue().isArray() ? field.getValue().get(0).asText() : field.getValue().asText();
                        names.addAll(matches(SUB_VARIABLE, text));
                    }
                    default -> names.addAll(references(field.getValue()));
                }
            });
        } else if (value.isArray()) {
            value.forEach(item -> names.addAll(references(item)));
        }
        return names;
    }

    private static String apiResource() {
        List<String> apis = new ArrayList<>();
        template.path("Resources").properties().forEach(resource -> {
            if ("AWS::Serverless::Api".equals(resource.getValue().path("Type").asText())) {
                apis.add(resource.getKey());
            }
        });
        assertEquals(1, apis.size(), "one REST API in the template: " + apis);
        return apis.get(0);
    }

    /**
     * Each documented route and the function its integration invokes (the function's SnapStart
     * alias, as CloudFormation names it: {@code ${<Function>Alias<alias>}}).
     */
    private static Map<String, String> functionOfRoute() {
        Map<String, String> functionOfRoute = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (ApiDocument.Operation operation : api.operations()) {
            JsonNode integration = operation.node().path("x-amazon-apigateway-integration");
            if (!"aws_proxy".equals(integration.path("type").asText()) || !"POST".equals(integration.path("httpMethod").asText())) {
                problems.add(operation.route() + ": the integration must be a Lambda proxy (type aws_proxy, httpMethod POST), is " + integration);
                continue;
            }
            Matcher uri = ALIAS_INVOCATION.matcher(integration.path("uri").path("Fn::Sub").asText());
            if (!uri.matches()) {
                problems.add(operation.route() + ": the integration uri does not invoke a function alias: " + integration.path("uri"));
                continue;
            }
            String target = uri.group(1);
            String function = functions().keySet().stream()
                    .filter(name -> target.equals(name + "Alias" + functionProperty(name, "AutoPublishAlias").asText()))
                    .findFirst().orElse(null);
            if (function == null) {
                problems.add(operation.route() + ": the integration invokes ${" + target + "}, which is no function's AutoPublishAlias alias");
                continue;
            }
            functionOfRoute.put(operation.route(), function);
        }
        assertNoProblems(problems);
        return functionOfRoute;
    }

    private static ApiDocument.Operation operation(String route) {
        return api.operations().stream().filter(operation -> operation.route().equals(route)).findFirst().orElseThrow();
    }

    /** {@code /records/{uuid}} as it appears in an execute-api ARN: {@code /records/*}. */
    private static String sourceArnPath(String path) {
        return path.replaceAll("\\{[^/}]+}", "*");
    }

    /** A request for {@code route} with no body and, for a path parameter, a value that is no uuid. */
    private static APIGatewayProxyRequestEvent requestWithoutBody(String route) {
        String[] parts = route.split(" ", 2);
        Map<String, String> parameters = new HashMap<>();
        for (String name : matches(Pattern.compile("\\{([^/}]+)}"), parts[1])) {
            parameters.put(name, "not-a-uuid");
        }
        return new APIGatewayProxyRequestEvent()
                .withHttpMethod(parts[0])
                .withResource(parts[1])
                .withPath(parts[1].replaceAll("\\{[^/}]+}", "not-a-uuid"))
                .withPathParameters(parameters.isEmpty() ? null : parameters)
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withRequestContext(new APIGatewayProxyRequestEvent.ProxyRequestContext().withRequestId("consistency-test"));
    }

    /**
     * A handler built through its one-argument constructor with no service behind it: enough to
     * see which routes it dispatches, since requests without a body never reach the service.
     */
    private static Object withoutServices(Class<?> handler) throws ReflectiveOperationException {
        for (Constructor<?> constructor : handler.getConstructors()) {
            if (constructor.getParameterCount() == 1 && !constructor.getParameterTypes()[0].isPrimitive()) {
                return constructor.newInstance(new Object[] {null});
            }
        }
        throw new AssertionError(handler.getName() + " has no public constructor taking its service, so its routes cannot be tried without AWS");
    }

    // ---------------------------------------------------------------- what the code reads ---------

    /**
     * The environment variables the code of a handler reads, each with the class that reads it,
     * over every class of ours the handler can reach: the settings each config class's
     * {@code from(Settings)} asks for, and {@code System.getenv("…")} literals elsewhere (such as
     * LOG_LEVEL in observe/Log). A class that reads the environment in a way this cannot see fails.
     */
    private static Map<String, String> variablesReadBy(Class<?> handler) throws IOException, ReflectiveOperationException {
        Set<String> classes = reachableClasses(handler);
        Map<String, String> read = new TreeMap<>();
        for (Class<?> reader : settingsReaders(classes)) {
            for (String name : settingsAskedFor(reader)) {
                read.putIfAbsent(name, reader.getSimpleName() + ".from(Settings)");
            }
        }
        for (String name : classes) {
            if (name.equals(Settings.class.getName())) {
                continue; // its lookup serves the config classes, whose names are counted above
            }
            if (constantPool(name).calls("java/lang/System", "getenv")) {
                Set<String> literals = matches(GETENV_LITERAL, Files.readString(sourceOf(name)));
                if (literals.isEmpty()) {
                    throw new AssertionError(name + " reads the environment, but not as System.getenv(\"NAME\"): this test cannot tell which variable");
                }
                for (String literal : literals) {
                    read.putIfAbsent(literal, name.substring(name.lastIndexOf('.') + 1));
                }
            }
        }
        return read;
    }

    /**
     * The reachable classes that read named settings (call a Settings instance method); each
     * must be a config class with {@code static from(Settings)}, which this test can run.
     */
    private static List<Class<?>> settingsReaders(Set<String> classes) throws IOException, ClassNotFoundException {
        Set<String> readMethods = Arrays.stream(Settings.class.getMethods())
                .filter(method -> method.getDeclaringClass() == Settings.class && !Modifier.isStatic(method.getModifiers()))
                .map(Method::getName)
                .collect(Collectors.toSet());
        List<Class<?>> readers = new ArrayList<>();
        for (String name : classes) {
            if (name.equals(Settings.class.getName())) {
                continue;
            }
            ConstantPool pool = constantPool(name);
            if (readMethods.stream().anyMatch(method -> pool.calls("dev/cryptopipe/config/Settings", method))) {
                Class<?> type = Class.forName(name);
                try {
                    Method from = type.getMethod("from", Settings.class);
                    if (!Modifier.isStatic(from.getModifiers())) {
                        throw new NoSuchMethodException();
                    }
                } catch (NoSuchMethodException e) {
                    throw new AssertionError(name + " reads settings but is no config class with static from(Settings): this test cannot tell which");
                }
                readers.add(type);
            }
        }
        return readers;
    }

    /** The setting names {@code config.from(Settings)} asks for, learnt by running it on a recording map. */
    static Set<String> settingsAskedFor(Class<?> config) throws ReflectiveOperationException {
        // Values that satisfy each kind of setting (a name, a number, a duration in seconds, a URL).
        List<String> candidates = List.of("1", "https://sqs.us-east-1.amazonaws.com/123456789012/queue");
        RecordingMap values = new RecordingMap();
        Method from = config.getMethod("from", Settings.class);
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                from.invoke(null, Settings.of(values));
                return new TreeSet<>(values.asked);
            } catch (InvocationTargetException e) {
                if (!(e.getCause() instanceof ConfigException) || values.last == null) {
                    throw e;
                }
                String current = values.get(values.last);
                int next = current == null ? 0 : candidates.indexOf(current) + 1;
                if (next >= candidates.size()) {
                    throw new AssertionError(config.getSimpleName() + " accepts none of " + candidates + " for " + values.last, e.getCause());
                }
                values.put(values.last, candidates.get(next));
            }
        }
        throw new AssertionError(config.getSimpleName() + ".from never succeeded");
    }

    /** A map that remembers every key asked for. */
    private static final class RecordingMap extends HashMap<String, String> {
        private static final long serialVersionUID = 1L;
        final Set<String> asked = new LinkedHashSet<>();
        String last;

        @Override
        public String get(Object key) {
            asked.add((String) key);
            last = (String) key;
            return super.get(key);
        }
    }

    /** Our classes a class refers to, transitively (from their class files' constant pools). */
    static Set<String> reachableClasses(Class<?> start) throws IOException {
        Set<String> seen = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(start.getName()));
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (!seen.add(name)) {
                continue;
            }
            for (String referenced : constantPool(name).ourClasses()) {
                if (!seen.contains(referenced) && classFile(referenced) != null) {
                    todo.push(referenced);
                }
            }
        }
        return seen;
    }

    private static InputStream classFile(String className) {
        return TemplateConsistencyTest.class.getClassLoader().getResourceAsStream(className.replace('.', '/') + ".class");
    }

    private static final Map<String, ConstantPool> POOLS = new HashMap<>();

    private static ConstantPool constantPool(String className) throws IOException {
        ConstantPool pool = POOLS.get(className);
        if (pool == null) {
            try (InputStream in = classFile(className)) {
                if (in == null) {
                    throw new AssertionError("no class file for " + className);
                }
                pool = ConstantPool.parse(in.readAllBytes());
            }
            POOLS.put(className, pool);
        }
        return pool;
    }

    /** The parts of a class file's constant pool this test needs (JVMS §4.4). */
    private record ConstantPool(Set<String> ourClasses, Set<String> methodRefs) {
        private static final Pattern OUR_CLASS = Pattern.compile("dev/cryptopipe/[\\w/$]+");

        boolean calls(String owner, String method) {
            return methodRefs.contains(owner + "." + method);
        }

        static ConstantPool parse(byte[] bytes) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException("not a class file");
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            Object[] strings = new Object[count];
            int[][] refs = new int[count][];
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> strings[i] = in.readUTF();
                    case 3, 4 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> refs[i] = new int[] {tag, in.readUnsignedShort()};
                    case 9, 10, 11, 12, 17, 18 -> refs[i] = new int[] {tag, in.readUnsignedShort(), in.readUnsignedShort()};
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    default -> throw new IOException("unknown constant pool tag " + tag);
                }
            }
            Set<String> ours = new TreeSet<>();
            for (Object text : strings) {
                if (text != null) {
                    Matcher name = OUR_CLASS.matcher((String) text);
                    while (name.find()) {
                        ours.add(name.group().replace('/', '.'));
                    }
                }
            }
            Set<String> methods = new HashSet<>();
            for (int[] ref : refs) {
                if (ref != null && (ref[0] == 10 || ref[0] == 11)) {
                    String owner = (String) strings[refs[ref[1]][1]];
                    String method = (String) strings[refs[ref[2]][1]];
                    methods.add(owner + "." + method);
                }
            }
            return new ConstantPool(ours, methods);
        }
    }

    /** The source of a class of ours, in whichever module of the build holds it. */
    private static Path sourceOf(String className) throws IOException {
        String topLevel = className.split("\\$", 2)[0].replace('.', '/') + ".java";
        String parentPom = Files.readString(ROOT.resolve("pom.xml"));
        for (String module : matches(Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>"), parentPom)) {
            Path source = ROOT.resolve(module).resolve("src/main/java").resolve(topLevel);
            if (Files.isRegularFile(source)) {
                return source;
            }
        }
        throw new AssertionError("no source for " + className + " in any module");
    }

    // ---------------------------------------------------------------- small helpers ---------------

    private static String artifactId(Path pom) throws IOException {
        String text = Files.readString(pom).replaceAll("(?s)<parent>.*?</parent>", "");
        return first(Pattern.compile("<artifactId>([^<]+)</artifactId>"), text);
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new LinkedHashSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }

    private static String first(Pattern pattern, String text) {
        Iterator<String> found = matches(pattern, text).iterator();
        if (!found.hasNext()) {
            throw new AssertionError("nothing matches " + pattern);
        }
        return found.next();
    }

    private static void assertNoProblems(List<String> problems) {
        assertTrue(problems.isEmpty(), () -> problems.size() + " inconsistencies:\n  " + String.join("\n  ", problems));
    }
}
