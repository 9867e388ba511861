package dev.cryptopipe.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The OpenAPI document of the REST API ({@code functions/openapi.yaml}), as the tests read it:
 * its routes, their documented responses, and a check of a JSON value against a documented
 * schema (the subset of JSON Schema the document uses: {@code $ref}, type, required,
 * properties, items, enum, pattern, min/max length and items).
 */
final class ApiDocument {
    /** The keys of an OpenAPI path item that are operations. */
    static final Set<String> OPERATION_KEYS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    /** One documented route: {@code POST /encrypt}. */
    record Operation(String method, String path, JsonNode node) {
        String route() {
            return method + " " + path;
        }
    }

    private final Path file;
    private final JsonNode root;

    private ApiDocument(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    /** The document template.yaml includes as its REST API's definition (AWS::Include). */
    static ApiDocument ofTemplate(Path templateFile) {
        JsonNode template = readYaml(templateFile);
        List<String> locations = new ArrayList<>();
        template.path("Resources").forEach(resource -> {
            if ("AWS::Serverless::Api".equals(resource.path("Type").asText())) {
                JsonNode include = resource.path("Properties").path("DefinitionBody").path("Fn::Transform");
                if ("AWS::Include".equals(include.path("Name").asText())) {
                    locations.add(include.path("Parameters").path("Location").asText());
                }
            }
        });
        if (locations.size() != 1) {
            throw new AssertionError("expected one AWS::Serverless::Api whose DefinitionBody includes an OpenAPI file, found " + locations);
        }
        return read(templateFile.toAbsolutePath().getParent().resolve(locations.get(0)));
    }

    static ApiDocument read(Path file) {
        return new ApiDocument(file, readYaml(file));
    }

    static JsonNode readYaml(Path file) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    Path file() {
        return file;
    }

    JsonNode root() {
        return root;
    }

    /** Every path × method of the document, in document order. */
    List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : root.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> item : path.getValue().properties()) {
                if (item.getKey().equals("x-amazon-apigateway-any-method")) {
                    throw new AssertionError(path.getKey() + " uses x-amazon-apigateway-any-method: list its methods instead");
                }
                if (OPERATION_KEYS.contains(item.getKey())) {
                    operations.add(new Operation(item.getKey().toUpperCase(Locale.ROOT), path.getKey(), item.getValue()));
                }
            }
        }
        return operations;
    }

    Set<String> paths() {
        Set<String> paths = new java.util.LinkedHashSet<>();
        root.path("paths").fieldNames().forEachRemaining(paths::add);
        return paths;
    }

    /** The documented responses of an operation, by status, with {@code $ref}s followed. */
    Map<Integer, JsonNode> responses(Operation operation) {
        Map<Integer, JsonNode> responses = new LinkedHashMap<>();
        operation.node().path("responses").properties().forEach(entry ->
                responses.put(Integer.parseInt(entry.getKey()), resolve(entry.getValue())));
        return responses;
    }

    /** Follows a local {@code $ref} ("#/components/…") to what it names; other nodes as they are. */
    JsonNode resolve(JsonNode node) {
        JsonNode current = node;
        for (int hops = 0; current.has("$ref"); hops++) {
            if (hops > 20) {
                throw new AssertionError("$ref cycle at " + node);
            }
            String ref = current.path("$ref").asText();
            if (!ref.startsWith("#/")) {
                throw new AssertionError("only local $refs are supported: " + ref);
            }
            JsonNode target = root.at(ref.substring(1));
            if (target.isMissingNode()) {
                throw new AssertionError(file.getFileName() + ": $ref " + ref + " names nothing");
            }
            current = target;
        }
        return current;
    }

    JsonNode schema(String name) {
        JsonNode schema = root.path("components").path("schemas").path(name);
        if (schema.isMissingNode()) {
            throw new AssertionError(file.getFileName() + " has no schema " + name);
        }
        return schema;
    }

    /** What is wrong with {@code value} against {@code schema}; empty when it conforms. */
    List<String> problems(JsonNode schema, JsonNode value) {
        List<String> problems = new ArrayList<>();
        check(resolve(schema), value, "$", problems);
        return problems;
    }

    private void check(JsonNode schema, JsonNode value, String at, List<String> problems) {
        String type = schema.path("type").asText("");
        boolean typeOk = switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "" -> true;
            default -> throw new AssertionError("schema type " + type + " is not supported by this check");
        };
        if (!typeOk) {
            problems.add(at + " should be " + type + " but is " + value.getNodeType());
            return;
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode option : schema.path("enum")) {
                listed |= option.equals(value) || option.asText().equals(value.asText());
            }
            if (!listed) {
                problems.add(at + " is not one of " + schema.path("enum"));
            }
        }
        if (value.isTextual()) {
            String text = value.asText();
            if (schema.has("pattern") && !Pattern.compile(schema.path("pattern").asText()).matcher(text).find()) {
                problems.add(at + " does not match " + schema.path("pattern").asText());
            }
            if (schema.has("minLength") && text.length() < schema.path("minLength").asInt()) {
                problems.add(at + " is shorter than " + schema.path("minLength").asInt());
            }
            if (schema.has("maxLength") && text.length() > schema.path("maxLength").asInt()) {
                problems.add(at + " is longer than " + schema.path("maxLength").asInt());
            }
        }
        if (value.isObject()) {
            for (JsonNode name : schema.path("required")) {
                if (!value.has(name.asText()) || value.path(name.asText()).isNull()) {
                    problems.add(at + "." + name.asText() + " is required but missing");
                }
            }
            schema.path("properties").properties().forEach(property -> {
                if (value.has(property.getKey())) {
                    check(resolve(property.getValue()), value.get(property.getKey()), at + "." + property.getKey(), problems);
                }
            });
        }
        if (value.isArray()) {
            if (schema.has("minItems") && value.size() < schema.path("minItems").asInt()) {
                problems.add(at + " has fewer than " + schema.path("minItems").asInt() + " items");
            }
            if (schema.has("maxItems") && value.size() > schema.path("maxItems").asInt()) {
                problems.add(at + " has more than " + schema.path("maxItems").asInt() + " items");
            }
            if (schema.has("items")) {
                for (int i = 0; i < value.size(); i++) {
                    check(resolve(schema.path("items")), value.get(i), at + "[" + i + "]", problems);
                }
            }
        }
    }
}
