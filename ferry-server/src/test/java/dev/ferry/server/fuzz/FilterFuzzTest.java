package dev.ferry.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.protocol.Payload;
import dev.ferry.server.filter.Filter;
import dev.ferry.server.filter.FilterException;
import dev.ferry.server.filter.FilterInput;
import java.util.List;
import java.util.Map;

/**
 * The filter parser: on any input it either compiles or throws {@link FilterException} with a column inside the
 * expression (or just after it); nothing else, no stack overflow. What compiles evaluates without throwing over
 * JSON objects, scalars, arrays, binary and malformed payloads. Regression mode runs the inputs under
 * src/test/resources; {@code JAZZER_FUZZ=1} fuzzes.
 */
class FilterFuzzTest {
    private static final List<FilterInput> INPUTS = List.of(
            new FilterInput(Payload.json("{\"region\":\"east\",\"temp\":31,\"a\":{\"b\":[1,\"x\",null,true]}}"),
                    Map.of("env", "prod", "test", "")),
            new FilterInput(Payload.json("[0,{\"a\":1}]"), Map.of()),
            new FilterInput(Payload.json("\"text\""), Map.of("k", "v")),
            new FilterInput(Payload.json("{not json"), Map.of()),
            new FilterInput(Payload.binary(new byte[] {0, 1, 2}), Map.of("a", "b")));

    @FuzzTest(maxDuration = "30s")
    void parseAndEvaluate(FuzzedDataProvider data) {
        String expression = data.consumeRemainingAsString();
        Filter filter;
        try {
            filter = Filter.compile(expression);
        } catch (FilterException e) {
            assertThat(e.column()).as(e.getMessage()).isBetween(1, Math.min(expression.length(), Filter.MAX_LENGTH) + 1);
            assertThat(e.getMessage()).startsWith("column " + e.column() + ": ");
            return;
        }
        for (FilterInput in : INPUTS) {
            filter.test(in);
        }
    }
}
