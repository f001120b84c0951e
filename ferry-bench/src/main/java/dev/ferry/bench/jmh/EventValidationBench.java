package dev.ferry.bench.jmh;

import dev.ferry.protocol.Payload;
import dev.ferry.server.config.EventsConfig;
import dev.ferry.server.events.EventClasses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost an event class's schema adds to one publication (docs/events.md): the check every publish path makes,
 * once per publication whatever the number of subscribers. {@link #validPublication} is the common case (parse the
 * payload, walk the compiled schema); {@link #invalidPublication} also builds the violation;
 * {@link #topicWithoutClass} is what every publication to other topics pays on a server that declares classes;
 * {@link #parseOnly} is the payload's parse alone, the reference to compare with in one run;
 * {@link #validPublicationBooleanFormat} is the same parse and walk through the library's boolean output format
 * (a new context and settings per call), the way to compare the check's reused per-thread context with.
 *
 * <p>The schema is a chat message of four properties with lengths, a pattern and an array; the payload a 135-byte
 * message that satisfies it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EventValidationBench {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    static final String SCHEMA = """
            {"$schema": "https://json-schema.org/draft/2020-12/schema",
             "type": "object", "required": ["author", "text"],
             "properties": {
               "author": {"type": "string", "minLength": 1, "maxLength": 64},
               "text": {"type": "string", "maxLength": 2000},
               "room": {"type": "string", "pattern": "^[a-z0-9-]{1,32}$"},
               "mentions": {"type": "array", "items": {"type": "string"}, "maxItems": 20}},
             "additionalProperties": false}
            """;

    @State(Scope.Benchmark)
    public static class Classes {
        final Payload valid = Payload.json("{\"author\":\"ann\",\"room\":\"lobby\",\"text\":\"the build is green again,"
                + " shipping the release notes in ten minutes\",\"mentions\":[\"bob\",\"carol\"]}");
        final Payload invalid = Payload.json("{\"author\":\"\",\"room\":\"Lobby!\",\"text\":\"the build is green again,"
                + " shipping the release notes in ten minutes\",\"mentions\":[\"bob\",7]}");
        final Map<String, String> tags = Map.of();
        Path schema;
        EventClasses classes;
        com.networknt.schema.Schema compiled;
        com.fasterxml.jackson.databind.JsonNode validTree;

        @Setup(Level.Trial)
        public void setUp() {
            try {
                schema = Files.createTempFile("chat-message", ".json");
                Files.writeString(schema, SCHEMA);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            classes = EventClasses.compile(new EventsConfig(List.of(
                    new EventsConfig.EventClass("audit", "audit.#", null, "", List.of(), null),
                    new EventsConfig.EventClass("chat", "chat.*", schema, "", List.of(), null))));
            compiled = com.networknt.schema.SchemaRegistry.withDefaultDialect(
                    com.networknt.schema.SpecificationVersion.DRAFT_2020_12).getSchema(SCHEMA);
            try {
                validTree = JSON.readTree(valid.bytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!Boolean.TRUE.equals(compiled.validate(validTree, com.networknt.schema.OutputFormat.BOOLEAN))) {
                throw new IllegalStateException("the schema rejects the valid payload");
            }
            if (classes.check("chat.lobby", valid, tags) != null || classes.check("chat.lobby", invalid, tags) == null) {
                throw new IllegalStateException("the benchmark's payloads are not what they claim");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            Files.deleteIfExists(schema);
        }
    }

    /**
     * The benchmark thread's CPU time per operation over the measurement iterations, printed at the end of each
     * benchmark: on a loaded machine the thread waits for a core, so {@code ns/op} (wall time) measures the
     * machine's load as much as the code, while CPU time does not.
     */
    @State(Scope.Thread)
    public static class Cpu {
        private static final java.lang.management.ThreadMXBean THREADS =
                java.lang.management.ManagementFactory.getThreadMXBean();
        long ops;
        private long start;
        private long measuredNs;
        private long measuredOps;

        @Setup(Level.Iteration)
        public void start() {
            ops = 0;
            start = THREADS.getCurrentThreadCpuTime();
        }

        @TearDown(Level.Iteration)
        public void stop(org.openjdk.jmh.infra.IterationParams iteration) {
            if (iteration.getType() == org.openjdk.jmh.runner.IterationType.MEASUREMENT) {
                measuredNs += THREADS.getCurrentThreadCpuTime() - start;
                measuredOps += ops;
            }
        }

        @TearDown(Level.Trial)
        public void report(org.openjdk.jmh.infra.BenchmarkParams benchmark) {
            System.out.printf("%n%s: thread CPU %.0f ns/op over %,d operations%n", benchmark.getBenchmark(),
                    measuredOps == 0 ? 0.0 : (double) measuredNs / measuredOps, measuredOps);
        }
    }

    @Benchmark
    public Object validPublication(Classes c, Cpu cpu) {
        cpu.ops++;
        return c.classes.check("chat.lobby", c.valid, c.tags);
    }

    @Benchmark
    public Object invalidPublication(Classes c, Cpu cpu) {
        cpu.ops++;
        return c.classes.check("chat.lobby", c.invalid, c.tags);
    }

    /** The reference within one run: parsing the payload alone (Jackson tree), which the check includes. */
    @Benchmark
    public Object parseOnly(Classes c, Cpu cpu) throws IOException {
        cpu.ops++;
        return JSON.readTree(c.valid.bytes());
    }

    /**
     * The yes-or-no walk alone, over an already-parsed payload, through the library's {@code OutputFormat.BOOLEAN}:
     * with {@link #parseOnly}, the two parts of {@link #validPublicationBooleanFormat}.
     */
    @Benchmark
    public Object walkOnly(Classes c, Cpu cpu) {
        cpu.ops++;
        return c.compiled.validate(c.validTree, com.networknt.schema.OutputFormat.BOOLEAN);
    }

    /**
     * The parse and the yes-or-no walk as the library's {@code OutputFormat.BOOLEAN} makes it (new settings and a
     * new context per call): the reference for {@link #validPublication}, which walks with a per-thread context.
     */
    @Benchmark
    public Object validPublicationBooleanFormat(Classes c, Cpu cpu) throws IOException {
        cpu.ops++;
        return c.compiled.validate(JSON.readTree(c.valid.bytes()), com.networknt.schema.OutputFormat.BOOLEAN);
    }

    @Benchmark
    public Object topicWithoutClass(Classes c, Cpu cpu) {
        cpu.ops++;
        return c.classes.check("sensors.t1", c.valid, c.tags);
    }
}
