package dev.ferry.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.protocol.Payload;
import dev.ferry.server.config.EventsConfig;
import dev.ferry.server.events.EventClasses;
import dev.ferry.server.events.Violation;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Event payloads against a schema (docs/events.md): on any bytes, as JSON or binary, the check answers null or a
 * violation of at most {@link EventClasses#MAX_PROBLEMS} problems, each a JSON Pointer; it never throws, whatever
 * the nesting, encoding or size. Regression mode runs the inputs under src/test/resources; {@code JAZZER_FUZZ=1}
 * fuzzes.
 */
class EventPayloadFuzzTest {
    private static final EventClasses CLASSES = EventClasses.compile(new EventsConfig(List.of(
            new EventsConfig.EventClass("chat", "chat.*", schema(), "", List.of(), null))));

    private static Path schema() {
        try {
            return Path.of(EventPayloadFuzzTest.class.getResource("/dev/ferry/server/events/chat-message.schema.json")
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void payloadAgainstSchema(FuzzedDataProvider data) {
        boolean binary = data.consumeBoolean();
        byte[] bytes = data.consumeRemainingAsBytes();
        Violation v = CLASSES.check("chat.r1", binary ? Payload.binary(bytes) : Payload.json(bytes), Map.of());
        if (binary) {
            assertThat(v).isNotNull();
        }
        if (v != null) {
            assertThat(v.eventClass()).isEqualTo("chat");
            assertThat(v.problems()).isNotEmpty().hasSizeLessThanOrEqualTo(EventClasses.MAX_PROBLEMS);
            for (Violation.Problem p : v.problems()) {
                assertThat(p.pointer()).matches("(/[^/]*)*");
                assertThat(p.message()).isNotBlank();
            }
            assertThat(v.message()).startsWith("payload does not match event class \"chat\": ");
        }
    }
}
