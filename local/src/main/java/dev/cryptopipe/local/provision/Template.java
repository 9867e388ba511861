package dev.cryptopipe.local.provision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Values read from {@code template.yaml}, so the local pipeline is provisioned with the names
 * and settings that AWS gets. The YAML reader drops CloudFormation's short-form tags, leaving
 * {@code !Ref X} as "X", {@code !GetAtt X.Arn} as "X.Arn" and {@code !Sub "…"} as its string.
 */
public final class Template {
    private static final Pattern SUB = Pattern.compile("\\$\\{([A-Za-z0-9:._]+)}");

    private final JsonNode root;
    private final String stackName;
    private final Path directory;

    private Template(JsonNode root, String stackName, Path directory) {
        this.root = root;
        this.stackName = stackName;
        this.directory = directory;
    }

    public static Template read(Path file, String stackName) {
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
            return new Template(root, stackName, file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The folder holding the template; paths in it (state machine definitions) are relative to it. */
    public Path directory() {
        return directory;
    }

    public String stackName() {
        return stackName;
    }

    public String parameterDefault(String name) {
        JsonNode value = root.path("Parameters").path(name).path("Default");
        if (value.isMissingNode()) {
            throw new IllegalStateException("template.yaml has no default for parameter " + name);
        }
        return value.asText();
    }

    public JsonNode resource(String logicalId) {
        JsonNode resource = root.path("Resources").path(logicalId);
        if (resource.isMissingNode()) {
            throw new IllegalStateException("template.yaml has no resource " + logicalId);
        }
        return resource;
    }

    public JsonNode properties(String logicalId) {
        return resource(logicalId).path("Properties");
    }

    /** A property's string value with parameters, pseudo parameters and resource names resolved. */
    public String string(String logicalId, String property) {
        JsonNode value = properties(logicalId).path(property);
        if (value.isMissingNode()) {
            throw new IllegalStateException("template.yaml resource " + logicalId + " has no " + property);
        }
        return resolve(value.asText());
    }

    public Optional<String> optionalString(String logicalId, String property) {
        JsonNode value = properties(logicalId).path(property);
        return value.isMissingNode() || value.isNull() ? Optional.empty() : Optional.of(resolve(value.asText()));
    }

    /** A function's environment variables as the template sets them, with references resolved by {@code refs}. */
    public Map<String, String> environment(String functionId, Map<String, String> refs) {
        Map<String, String> variables = new LinkedHashMap<>();
        JsonNode globals = root.path("Globals").path("Function").path("Environment").path("Variables");
        JsonNode own = properties(functionId).path("Environment").path("Variables");
        for (JsonNode source : new JsonNode[] {globals, own}) {
            Iterator<Map.Entry<String, JsonNode>> fields = source.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String text = field.getValue().asText();
                variables.put(field.getKey(), refs.getOrDefault(text, resolve(text)));
            }
        }
        return variables;
    }

    /** Resolves "${AWS::StackName}"-style substitutions and a bare parameter name to its default. */
    public String resolve(String text) {
        if (root.path("Parameters").has(text)) {
            return parameterDefault(text);
        }
        Matcher matcher = SUB.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1);
            String value = switch (name) {
                case "AWS::StackName" -> stackName;
                case "AWS::Region" -> "us-east-1";
                case "AWS::AccountId" -> "123456789012";
                case "AWS::Partition" -> "aws";
                default -> root.path("Parameters").has(name) ? parameterDefault(name) : matcher.group();
            };
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }
}
