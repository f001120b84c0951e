package dev.ferry.bench.jmh;

import dev.ferry.protocol.Payload;
import dev.ferry.server.filter.Filter;
import dev.ferry.server.filter.FilterException;
import dev.ferry.server.filter.FilterInput;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of subscription filters per delivery. A publication's payload is parsed once for all filtered
 * subscribers ({@link #parsePayload}); each filtered subscriber then costs one evaluation over the parsed input
 * ({@link #evaluateData}, {@link #evaluateTags}, {@link #evaluateRejecting}), which should not allocate (check
 * with {@code -prof gc}). {@link #onePublicationOneSubscriber} is the whole cost when a single filtered subscriber
 * receives a publication; {@link #compile} is paid once per {@code sub}.
 *
 * <p>The payload is a 160-byte sensor reading; the filter is the example of docs/protocol.md §4.4.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FilterBench {
    static final String EXAMPLE = "region in ('east','west') and temp > 30 and not exists(tags.test)";

    @State(Scope.Thread)
    public static class Input {
        final Payload payload = Payload.json("{\"device\":\"d-000417\",\"region\":\"west\",\"temp\":31.25,"
                + "\"humidity\":0.41,\"battery\":{\"level\":87,\"charging\":false},\"firmware\":\"2.4.1\",\"seq\":884213}");
        final Map<String, String> tags = Map.of("env", "prod", "site", "berlin-2");
        Filter example;
        Filter tagsOnly;
        Filter rejecting;
        FilterInput parsed;

        @Setup
        public void setUp() throws FilterException {
            example = Filter.compile(EXAMPLE);
            tagsOnly = Filter.compile("tags.env == 'prod' and tags.site startswith 'berlin'");
            rejecting = Filter.compile("battery.level < 20 or firmware in ('1.0.0', '1.0.1', '2.0.0')");
            parsed = new FilterInput(payload, tags);
            parsed.data();
        }
    }

    @Benchmark
    public Object parsePayload(Input in) {
        return new FilterInput(in.payload, in.tags).data();
    }

    @Benchmark
    public boolean evaluateData(Input in) {
        return in.example.test(in.parsed);
    }

    @Benchmark
    public boolean evaluateTags(Input in) {
        return in.tagsOnly.test(in.parsed);
    }

    @Benchmark
    public boolean evaluateRejecting(Input in) {
        return in.rejecting.test(in.parsed);
    }

    @Benchmark
    public boolean onePublicationOneSubscriber(Input in) {
        return in.example.test(new FilterInput(in.payload, in.tags));
    }

    @Benchmark
    public Filter compile() throws FilterException {
        return Filter.compile(EXAMPLE);
    }
}
