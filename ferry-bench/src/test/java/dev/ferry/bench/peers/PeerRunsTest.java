package dev.ferry.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Short, small runs against real servers in this JVM (an embedded Ferry on port 0, the raw-Netty references):
 * the tool's correctness (every publication reaches every subscriber, steps are reported, round trips complete),
 * never its speed. Rates are low and the p99 limit loose, so that a loaded machine does not fail them.
 */
class PeerRunsTest {
    private FerryServer ferry;
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @BeforeEach
    void startFerry() {
        FerryConfig config = FerryConfig.DEFAULT.withServer(new ServerConfig("127.0.0.1", 0, 2,
                ServerConfig.DEFAULT.nativeTransport(), Duration.ofSeconds(1)));
        ferry = FerryServer.builder().config(config).host("127.0.0.1").port(0).build();
        ferry.start();
    }

    @AfterEach
    void stopFerry() {
        ferry.close();
    }

    private PrintStream progress() {
        return new PrintStream(progress, true, StandardCharsets.UTF_8);
    }

    private static URI base(URI webSocketUri) {
        return URI.create("ws://127.0.0.1:" + webSocketUri.getPort());
    }

    private List<PeerFanoutRun.Step> fanout(String peer, PeerCodec codec, URI base) throws Exception {
        PeerFanoutRun.Options options = new PeerFanoutRun.Options(peer, codec, base, "bench.test", 10, 500, 2, 2,
                0.5, 0.2, 0, 1, 5, 5_000, 10_000, 5, 2, 1, false, 1);
        List<PeerFanoutRun.Step> reported = new ArrayList<>();
        List<PeerFanoutRun.Step> steps = new PeerFanoutRun(options, progress()).run(reported::add);
        assertThat(reported).isEqualTo(steps);
        return steps;
    }

    @Test
    @Timeout(90)
    void fanoutThroughFerryDeliversEveryPublicationToEverySubscriber() throws Exception {
        List<PeerFanoutRun.Step> steps = fanout("ferry", new FerryCodec(), base(ferry.webSocketUri()));

        // Whether a step keeps up depends on the machine (a busy one stops the run at step 0, tried twice):
        // this test checks what a run reports and that everything offered arrived, not how fast.
        assertThat(steps).extracting(PeerFanoutRun.Step::index).contains(0).hasSizeBetween(1, 4);
        for (PeerFanoutRun.Step s : steps) {
            assertThat(s.sent()).isPositive();
            assertThat(s.expected()).isEqualTo(s.sent() * 10);
            assertThat(s.received()).isEqualTo(s.expected());
            assertThat(s.drained()).isTrue();
            assertThat(s.closes()).isZero();
            assertThat(s.errors()).isZero();
        }
        // step 1 offers twice step 0: 500 then 1,000 deliveries/s over 10 subscribers
        assertThat(steps.get(0).rate()).isEqualTo(50);
        assertThat(steps).allSatisfy(s -> assertThat(s.rate()).isEqualTo(s.index() == 0 ? 50 : 100));
        assertThat(PeerFanoutRun.highest(steps) != null).isEqualTo(steps.stream().anyMatch(PeerFanoutRun.Step::keptUp));
        assertThat(PeerFanoutRun.best(steps) != null).isEqualTo(steps.stream().anyMatch(PeerFanoutRun.Step::sustained));
        assertThat(PeerFanoutCommand.stepJson(new PeerFanoutRun.Options("ferry", new FerryCodec(),
                base(ferry.webSocketUri()), "bench.test", 10, 500, 2, 2, 0.5, 0.2, 0, 1, 5, 5_000, 10_000, 5, 2, 1, false, 1), steps.get(0)))
                .startsWith("{\"bench\":\"peer-fanout\",\"peer\":\"ferry\",\"codec\":\"ferry\",\"subscribers\":10,\"step\":0,");
    }

    @Test
    void aRunNarrowsTheGapBetweenItsHighestSustainedStepAndTheNextOne() {
        List<PeerFanoutRun.Step> steps = List.of(step(0, 10_000, null), step(1, 20_000, null),
                step(2, 40_000, "p99 above 50 ms"), step(3, 80_000, "deliveries below 90% of offered"));
        PeerFanoutRun.Refinement r = PeerFanoutRun.Refinement.of(steps);
        assertThat(r.next()).isCloseTo(Math.sqrt(20_000.0 * 40_000), org.assertj.core.data.Offset.offset(1.0));
        r.record(28_285, true);
        assertThat(r.next()).isCloseTo(Math.sqrt(28_285.0 * 40_000), org.assertj.core.data.Offset.offset(1.0));
        r.record(33_636, false);
        assertThat(r.next()).isCloseTo(Math.sqrt(28_285.0 * 33_636), org.assertj.core.data.Offset.offset(1.0));

        assertThat(PeerFanoutRun.Refinement.of(steps.subList(0, 2))).as("everything sustained").isNull();
        assertThat(PeerFanoutRun.Refinement.of(steps.subList(2, 4))).as("nothing sustained").isNull();
    }

    private static PeerFanoutRun.Step step(int k, long offered, String verdict) {
        return new PeerFanoutRun.Step(k, offered / 100, offered, offered, offered, offered, offered, 1, 2, 3, 0, 0,
                true, verdict == null || verdict.startsWith("p99"), verdict);
    }

    @Test
    @Timeout(90)
    void manyTopicsThroughFerryDeliverEachPublicationToItsOneSubscriber() throws Exception {
        PeerFanoutRun.Options options = new PeerFanoutRun.Options("ferry", new FerryCodec(), base(ferry.webSocketUri()),
                "bench.topics", 10, 200, 2, 2, 0.5, 0.2, 0, 1, 5, 5_000, 10_000, 5, 2, 1, true, 3);
        List<PeerFanoutRun.Step> steps = new PeerFanoutRun(options, progress()).run(s -> { });

        assertThat(steps).extracting(PeerFanoutRun.Step::index).contains(0).hasSizeBetween(1, 4);
        for (PeerFanoutRun.Step s : steps) {
            // 3 publishers at 67 then 134 publications/s in all, each publication to one subscriber
            assertThat(s.rate() % 3).isZero();
            assertThat(s.expected()).isEqualTo(s.sent());
            assertThat(s.received()).isEqualTo(s.expected());
            assertThat(s.errors()).isZero();
            assertThat(s.closes()).isZero();
        }
        assertThat(PeerFanoutCommand.stepJson(options, steps.get(0))).startsWith("{\"bench\":\"peer-topics\",");
    }

    @Test
    @Timeout(90)
    void fanoutThroughTheRawNettyCeilingDeliversEveryPublicationToEverySubscriber() throws Exception {
        try (NettyReferenceServer ceiling = NettyReferenceServer.start(NettyReferenceServer.Kind.BROADCAST,
                "127.0.0.1", 0, 2)) {
            List<PeerFanoutRun.Step> steps = fanout("raw-netty", new BroadcastCodec(),
                    URI.create("ws://127.0.0.1:" + ceiling.port()));

            assertThat(steps).extracting(PeerFanoutRun.Step::index).contains(0).hasSizeBetween(1, 4);
            for (PeerFanoutRun.Step s : steps) {
                assertThat(s.received()).isEqualTo(s.expected()).isEqualTo(s.sent() * 10);
                assertThat(s.errors()).isZero();
            }
        }
    }

    @Test
    @Timeout(90)
    void rpcThroughFerryAndTheEchoReferenceCompleteRoundTrips() throws Exception {
        PeerRpcRun.Result viaFerry = new PeerRpcRun(new PeerRpcRun.Options("ferry", PeerRpcRun.Mode.FERRY,
                base(ferry.webSocketUri()), 4, 1, 0.2, 1, 1), progress()).run();
        assertThat(viaFerry.errors()).isZero();
        assertThat(viaFerry.roundTrips()).isPositive();
        assertThat(viaFerry.p50Millis()).isPositive();

        try (NettyReferenceServer echo = NettyReferenceServer.start(NettyReferenceServer.Kind.ECHO, "127.0.0.1", 0, 1)) {
            PeerRpcRun.Result direct = new PeerRpcRun(new PeerRpcRun.Options("netty-echo", PeerRpcRun.Mode.ECHO,
                    URI.create("ws://127.0.0.1:" + echo.port()), 4, 1, 0.2, 1, 1), progress()).run();
            assertThat(direct.errors()).isZero();
            assertThat(direct.roundTrips()).isPositive();
        }
    }

    /** Ferry and the echo taking turns: both sides measured in every round, neither left with requests unanswered. */
    @Test
    @Timeout(90)
    void rpcThroughFerryAndTheEchoTakingTurns() throws Exception {
        try (NettyReferenceServer echo = NettyReferenceServer.start(NettyReferenceServer.Kind.ECHO, "127.0.0.1", 0, 1)) {
            java.util.List<PeerRpcRun.Result> both = PeerRpcRun.interleaved(
                    new PeerRpcRun.Options("ferry", PeerRpcRun.Mode.FERRY, base(ferry.webSocketUri()), 4, 1, 0.2, 1.2, 1),
                    new PeerRpcRun.Options("netty-echo", PeerRpcRun.Mode.ECHO, URI.create("ws://127.0.0.1:" + echo.port()),
                            4, 1, 0.2, 1.2, 1),
                    3, progress());
            assertThat(both).hasSize(2).allSatisfy(r -> {
                assertThat(r.errors()).isZero();
                assertThat(r.roundTrips()).isPositive();
                assertThat(r.p50Millis()).isPositive();
                assertThat(r.roundTripsPerSecond()).isPositive();
            });
        }
    }
}
