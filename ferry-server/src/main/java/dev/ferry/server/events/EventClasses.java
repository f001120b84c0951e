package dev.ferry.server.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.ExecutionConfig;
import com.networknt.schema.ExecutionContext;
import com.networknt.schema.FailFastAssertionException;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.EventsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The declared event classes of the server, with their schemas compiled once, at start: a bad schema file, or an
 * example its schema rejects, fails the start with a {@link ConfigException} rather than every publication later.
 *
 * <p>{@link #check} is the one check every publication of a class passes (connections through their admission,
 * the HTTP API and the RabbitMQ bridge directly). Immutable and safe to use from any thread.
 */
public final class EventClasses {
    /** Problems reported for one payload at most; the schema may find more. */
    public static final int MAX_PROBLEMS = 10;
    /** Nesting depth of a payload the check parses; deeper is a violation, never a stack overflow. */
    public static final int MAX_DEPTH = 128;
    public static final EventClasses NONE = new EventClasses(List.of());

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build());
    /**
     * The yes-or-no walk's settings, built once: stop at the first failing keyword, collect no annotations. The
     * {@code format} keyword stays an annotation (draft 2020-12's default, as with the full walk): only the
     * full walk that builds a violation runs after a failure, so both walks must agree on what fails.
     */
    private static final ExecutionConfig YES_OR_NO = ExecutionConfig.builder()
            .annotationCollectionEnabled(false).failFast(true).build();

    private final List<EventClass> classes;
    /** Each class's pattern split at its dots, matched without allocating. */
    private final String[][] patternWords;
    /** Per class, each thread's context for the yes-or-no walk (a context is one thread's, never shared). */
    private final List<ThreadLocal<ExecutionContext>> contexts;

    private EventClasses(List<EventClass> classes) {
        this.classes = List.copyOf(classes);
        this.patternWords = new String[classes.size()][];
        List<ThreadLocal<ExecutionContext>> perClass = new ArrayList<>(classes.size());
        for (int i = 0; i < classes.size(); i++) {
            patternWords[i] = classes.get(i).pattern().split("\\.", -1);
            perClass.add(ThreadLocal.withInitial(() -> new ExecutionContext(YES_OR_NO)));
        }
        this.contexts = List.copyOf(perClass);
    }

    /** Reads and compiles every class of {@code config}; throws {@link ConfigException} naming the failing key. */
    public static EventClasses compile(EventsConfig config) {
        if (config.classes().isEmpty()) {
            return NONE;
        }
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, b ->
                b.schemaRegistryConfig(SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).build()));
        List<EventClass> compiled = new ArrayList<>();
        for (EventsConfig.EventClass c : config.classes()) {
            compiled.add(compile(registry, c));
        }
        return new EventClasses(compiled);
    }

    private static EventClass compile(SchemaRegistry registry, EventsConfig.EventClass c) {
        String key = "events." + c.name() + ".";
        JsonNode example = null;
        if (c.example() != null) {
            try {
                example = JSON.readTree(c.example());
            } catch (JsonProcessingException e) {
                throw new ConfigException(key + "example: not JSON: " + e.getOriginalMessage());
            }
        }
        JsonNode schemaJson = null;
        Schema schema = null;
        if (c.schema() != null) {
            try {
                schemaJson = JSON.readTree(Files.readAllBytes(c.schema()));
                schema = registry.getSchema(SchemaLocation.of(c.schema().toAbsolutePath().toUri().toString()), schemaJson);
                schema.initializeValidators();
            } catch (IOException e) {
                throw new ConfigException(key + "schema: cannot read " + c.schema() + ": " + e.getMessage());
            } catch (RuntimeException e) {
                throw new ConfigException(key + "schema: " + c.schema() + " is not a usable JSON Schema: " + e.getMessage());
            }
        }
        EventClass compiled = new EventClass(c.name(), c.pattern(), c.description(), c.tags(), schemaJson, example, schema);
        if (example != null && schema != null) {
            List<Violation.Problem> problems = problems(schema, example);
            if (!problems.isEmpty()) {
                throw new ConfigException(key + "example: the schema rejects it: " + problems.get(0).pointer() + ": "
                        + problems.get(0).message());
            }
        }
        return compiled;
    }

    public boolean isEmpty() {
        return classes.isEmpty();
    }

    /** Every class, in name order. */
    public List<EventClass> all() {
        return classes;
    }

    /** The class of {@code topic}: the first in name order whose pattern matches it, or null. */
    public EventClass classOf(String topic) {
        int i = indexOf(topic);
        return i < 0 ? null : classes.get(i);
    }

    private int indexOf(String topic) {
        for (int i = 0; i < patternWords.length; i++) {
            if (Topics.matches(patternWords[i], 0, topic, 0)) {
                return i;
            }
        }
        return -1;
    }

    /** The name of the class of {@code topic} (a topic or a subscribed pattern), or null. */
    public String className(String topic) {
        EventClass c = classes.isEmpty() ? null : classOf(topic);
        return c == null ? null : c.name();
    }

    /**
     * The classes whose pattern {@code maySubscribe} accepts, as {@code GET /v1/events} and the ferry.v1
     * {@code events} command answer them (docs/events.md):
     * {@code {"classes":[{"name","pattern","description","tags","schema"?,"example"?}]}}, in name order.
     */
    public byte[] listJson(Predicate<String> maySubscribe) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("classes");
        for (EventClass c : classes) {
            if (!maySubscribe.test(c.pattern())) {
                continue;
            }
            ObjectNode o = list.addObject();
            o.put("name", c.name());
            o.put("pattern", c.pattern());
            o.put("description", c.description());
            ArrayNode tags = o.putArray("tags");
            c.tags().forEach(tags::add);
            if (c.schemaJson() != null) {
                o.set("schema", c.schemaJson());
            }
            if (c.example() != null) {
                o.set("example", c.example());
            }
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a tree of JSON nodes", e);
        }
    }

    /**
     * Whether a publication of {@code data} with {@code tags} to {@code topic} belongs to the topic's class: null
     * when it does (or the topic has no class), else why not. A class with a schema takes JSON payloads only.
     */
    public Violation check(String topic, Payload data, Map<String, String> tags) {
        if (classes.isEmpty()) {
            return null;
        }
        int index = indexOf(topic);
        if (index < 0) {
            return null;
        }
        EventClass c = classes.get(index);
        for (String tag : c.tags()) {
            if (tags == null || !tags.containsKey(tag)) {
                return new Violation(c.name(), tag, List.of());
            }
        }
        if (c.schema() == null) {
            return null;
        }
        if (data.isBinary()) {
            return new Violation(c.name(), null,
                    List.of(new Violation.Problem("", "a binary payload; this class takes JSON")));
        }
        JsonNode node;
        try {
            node = JSON.readTree(data.bytes());
        } catch (JsonProcessingException e) {
            return new Violation(c.name(), null, List.of(new Violation.Problem("", "not JSON: " + e.getOriginalMessage())));
        } catch (IOException e) {
            // bytes the parser's encoding detection takes for UTF-16 or UTF-32 and cannot decode
            return new Violation(c.name(), null, List.of(new Violation.Problem("", "not JSON: " + e.getMessage())));
        }
        List<Violation.Problem> problems = problems(c.schema(), contexts.get(index), node);
        return problems.isEmpty() ? null : new Violation(c.name(), null, problems);
    }

    /** The schema's findings on {@code node}: none at the cost of a yes-or-no walk when it is valid. */
    private static List<Violation.Problem> problems(Schema schema, JsonNode node) {
        return problems(schema, null, node);
    }

    /**
     * As {@link #problems(Schema, JsonNode)}, walking with {@code contexts}' context of this thread (null: a new
     * one). A walk that passes leaves its context as it found it (no error, no annotation, every path it
     * entered left), so the next publication on the thread reuses it; a failing walk may leave it part-way
     * (fail-fast throws from inside), so the thread's context is replaced then.
     */
    private static List<Violation.Problem> problems(Schema schema, ThreadLocal<ExecutionContext> contexts,
                                                    JsonNode node) {
        ExecutionContext context = contexts == null ? new ExecutionContext(YES_OR_NO) : contexts.get();
        boolean valid;
        try {
            schema.validate(context, node);
            valid = context.getErrors().isEmpty();
        } catch (FailFastAssertionException e) {
            valid = false;
        }
        if (valid) {
            return List.of();
        }
        if (contexts != null) {
            contexts.remove();
        }
        List<Error> errors = schema.validate(node);
        if (errors.isEmpty()) {
            return List.of();
        }
        List<Violation.Problem> problems = new ArrayList<>(Math.min(errors.size(), MAX_PROBLEMS));
        for (Error e : errors) {
            if (problems.size() == MAX_PROBLEMS) {
                break;
            }
            problems.add(new Violation.Problem(e.getInstanceLocation().toString(), e.getMessage()));
        }
        return problems;
    }
}
