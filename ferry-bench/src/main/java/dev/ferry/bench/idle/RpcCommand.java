package dev.ferry.bench.idle;

import dev.ferry.bench.fanout.ClientChannelInitializer;
import dev.ferry.bench.fanout.ClientTransport;
import dev.ferry.bench.fanout.Loopback;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry-bench rpc}: call latency through Ferry (callers → Ferry → one callee on another connection → back)
 * against a direct WebSocket echo round trip at the same concurrency. Both sides keep their connections open for
 * the whole run and take turns ({@code --rounds}), so that a change in the machine's speed during the run (other
 * tenants of a shared host) weighs on both alike. Exit status 0 when both runs completed
 * without errors, 1 otherwise, 2 on bad usage, 3 when a run could not be set up.
 */
@Command(name = "rpc", mixinStandardHelpOptions = true,
        description = {"Closed-loop round trips: N callers each with one call in flight through Ferry to one callee, "
                + "and N clients each with one message in flight to a raw Netty echo server, taking turns; "
                + "p50/p90/p99 of both and their ratio.", "Prints a report, then one line of JSON."})
public final class RpcCommand implements Callable<Integer> {
    @Option(names = "--url", required = true, description = "ferry.v1 endpoint, e.g. ws://127.0.0.1:8080/v1/ws.")
    private URI url;

    @Option(names = "--echo-url", required = true, description = "Echo endpoint (ferry-bench echo-server), e.g. ws://127.0.0.1:9090/echo.")
    private URI echoUrl;

    @Option(names = "--callers", defaultValue = "1", description = "Concurrent callers, each with one call in flight (default ${DEFAULT-VALUE}).")
    private int callers;

    @Option(names = "--payload", defaultValue = "64", description = "Bytes of the args string (default ${DEFAULT-VALUE}).")
    private int payload;

    @Option(names = "--duration", defaultValue = "10", description = "Measured seconds per side, over all its rounds (default ${DEFAULT-VALUE}).")
    private int duration;

    @Option(names = "--warmup", defaultValue = "5", description = "Warmup seconds per side, not recorded (default ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--client-threads", defaultValue = "1", description = "Client event-loop threads (default ${DEFAULT-VALUE}).")
    private int clientThreads;

    @Option(names = "--proc", defaultValue = "bench.echo", description = "Procedure name (default ${DEFAULT-VALUE}).")
    private String proc;

    private record Figures(long count, double perSecond, Histogram h, long errors) {
        String line(String what) {
            return String.format("%-6s %,10d round trips %,9.0f/s  p50 %7.1f us  p90 %7.1f us  p99 %7.1f us  p99.9 %8.1f us  max %8.1f us  errors %d",
                    what, count, perSecond, us(50), us(90), us(99), us(99.9), h.getMaxValue() / 1e3, errors);
        }

        double us(double percentile) {
            return h.getValueAtPercentile(percentile) / 1e3;
        }
    }

    @Option(names = "--rounds", defaultValue = "10", description = "Measured slices per side, Ferry and the echo "
            + "taking turns, so that both are measured under the same conditions of the machine: each side runs "
            + "duration/rounds seconds, rounds times (default ${DEFAULT-VALUE}).")
    private int rounds;

    @Override
    public Integer call() {
        try {
            Loopback.checkUrl(url);
            Loopback.checkUrl(echoUrl);
            if (callers < 1 || payload < 0 || duration < 1 || warmup < 0 || clientThreads < 1 || rounds < 1) {
                throw new IllegalArgumentException(
                        "callers, duration, client-threads, rounds: > 0; payload, warmup: >= 0");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("rpc: " + e.getMessage());
            return 2;
        }
        String args = "\"" + "x".repeat(payload) + "\"";
        ClientTransport transport = ClientTransport.select();
        EventLoopGroup loops = transport.newGroup(clientThreads, "bench-rpc");
        try (Side ferry = new Side(); Side echo = new Side()) {
            ferry.open(transport, loops, url, RoundTripHandler.Mode.FERRY_CALL, args);
            echo.open(transport, loops, echoUrl, RoundTripHandler.Mode.ECHO,
                    "{\"type\":\"call\",\"id\":1,\"proc\":\"" + proc + "\",\"args\":" + args + "}");
            long warm = TimeUnit.SECONDS.toMillis(warmup);
            ferry.run(warm, false);
            echo.run(warm, false);
            long slice = Math.max(1, TimeUnit.SECONDS.toMillis(duration) / rounds);
            for (int r = 0; r < rounds; r++) {
                ferry.run(slice, true);
                echo.run(slice, true);
            }
            Figures f = ferry.figures();
            Figures e = echo.figures();
            System.out.println(f.line("ferry"));
            System.out.println(e.line("echo"));
            double p50 = f.us(50) / e.us(50);
            double p99 = f.us(99) / e.us(99);
            System.out.printf("ferry / echo: p50 %.2fx, p99 %.2fx (%d callers, %d-byte args, %d rounds)%n",
                    p50, p99, callers, payload, rounds);
            System.out.println("p50 per round, ferry (us): " + ferry.p50s);
            System.out.println("p50 per round, echo (us):  " + echo.p50s);
            System.out.printf("{\"callers\":%d,\"payload\":%d,\"rounds\":%d,\"ferryP50Us\":%.1f,\"ferryP99Us\":%.1f,"
                    + "\"ferryPerSecond\":%.0f,\"echoP50Us\":%.1f,\"echoP99Us\":%.1f,\"echoPerSecond\":%.0f,"
                    + "\"p50Ratio\":%.2f,\"p99Ratio\":%.2f,\"errors\":%d}%n", callers, payload, rounds, f.us(50),
                    f.us(99), f.perSecond(), e.us(50), e.us(99), e.perSecond(), p50, p99, f.errors() + e.errors());
            return f.errors() + e.errors() == 0 ? 0 : 1;
        } catch (Exception e) {
            System.err.println("rpc: " + e);
            return 3;
        } finally {
            loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    /** One side of the comparison: its connections, open for the whole run, and what its slices recorded. */
    private final class Side implements AutoCloseable {
        private static final long QUIET_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

        private final List<Channel> channels = new ArrayList<>();
        private final List<RoundTripHandler> handlers = new ArrayList<>();
        private final Recorder recorder = new Recorder(3);
        private final LongAdder errors = new LongAdder();
        private final Histogram total = new Histogram(3);
        private final List<String> p50s = new ArrayList<>();
        private double seconds;

        void open(ClientTransport transport, EventLoopGroup loops, URI target, RoundTripHandler.Mode mode, String args)
                throws Exception {
            if (mode == RoundTripHandler.Mode.FERRY_CALL) {
                CalleeHandler callee = new CalleeHandler(proc);
                Channel c = transport.bootstrap(loops).handler(new ClientChannelInitializer(target, () -> callee))
                        .connect(Loopback.serverAddress(target), Loopback.source(0, 1)).sync().channel();
                channels.add(c);
                callee.registered().get(30, TimeUnit.SECONDS);
            }
            for (int i = 0; i < callers; i++) {
                RoundTripHandler h = new RoundTripHandler(mode, proc, args, recorder, errors);
                Bootstrap b = transport.bootstrap(loops).handler(new ClientChannelInitializer(target, () -> h));
                channels.add(b.connect(Loopback.serverAddress(target), Loopback.source(0, 1)).sync().channel());
                h.ready().get(30, TimeUnit.SECONDS);
                handlers.add(h);
            }
        }

        /** Runs round trips for {@code millis}, then lets the last ones finish; keeps them when {@code measured}. */
        void run(long millis, boolean measured) throws InterruptedException {
            recorder.getIntervalHistogram(); // what finished after the previous slice
            long start = System.nanoTime();
            handlers.forEach(h -> h.start(h.context()));
            Thread.sleep(millis);
            Histogram slice = recorder.getIntervalHistogram();
            double elapsed = (System.nanoTime() - start) / 1e9;
            handlers.forEach(RoundTripHandler::stop);
            long deadline = System.nanoTime() + QUIET_TIMEOUT_NANOS;
            while (!handlers.stream().allMatch(RoundTripHandler::quiet)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("round trips still unanswered 10 s after the slice ended");
                }
                Thread.sleep(1);
            }
            if (measured) {
                total.add(slice);
                seconds += elapsed;
                p50s.add(String.format("%.0f", slice.getValueAtPercentile(50) / 1e3));
            }
        }

        Figures figures() {
            return new Figures(total.getTotalCount(), total.getTotalCount() / seconds, total, errors.sum());
        }

        @Override
        public void close() {
            for (Channel c : channels) {
                c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }
}
