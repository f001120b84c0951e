package dev.ferry.server.engine;

import static dev.ferry.server.testing.Prometheus.scrape;
import static dev.ferry.server.testing.Prometheus.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.testing.RawWebSocket;
import dev.ferry.server.testing.ServerProcess;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * The memory bound of topics: a server in its own JVM with a 256 MiB heap takes one anonymous publisher's
 * 1,000,000 publications to as many distinct topics, pipelined, without running out of memory, and serves
 * normally afterwards. The topics beyond {@code limits.max-topics} (by default one per 2 KiB of heap) are refused
 * with {@code too_many_topics}; the others are freed once their history expires.
 */
class TopicFloodTest {
    private static final int TOPICS = 1_000_000;
    private static final int BATCH = 10_000;
    /** history.ttl of the server: long enough for the flood to reach the topic limit. */
    private static final int TTL_SECONDS = 15;
    /** For the flood and the ping after it: about 35 s on a quiet 2-core machine, 75 s at a load average of 27. */
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(150);

    @Test
    void aSmallHeapSurvivesAMillionDistinctTopicsAndServesAfterwards() throws Exception {
        long start = System.nanoTime();
        try (ServerProcess server = ServerProcess.start(
                List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-Dio.netty.leakDetection.level=disabled"), "" + TTL_SECONDS)) {
            LongAdder refused = new LongAdder();
            LongAdder otherFrames = new LongAdder();
            CompletableFuture<String> pong = new CompletableFuture<>();
            try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1")) {
                Thread reader = new Thread(() -> {
                    try {
                        while (!pong.isDone()) {
                            String text;
                            try {
                                text = ws.next().text();
                            } catch (java.net.SocketTimeoutException quiet) {
                                // nothing refused for a while: every publication so far found room
                                if (System.nanoTime() - start > DEADLINE_NANOS) {
                                    throw quiet;
                                }
                                continue;
                            }
                            if (text.contains("\"too_many_topics\"")) {
                                refused.increment();
                            } else if (text.contains("\"pong\"")) {
                                pong.complete(text);
                            } else {
                                otherFrames.increment();
                                if (otherFrames.sum() < 5) {
                                    System.out.println("unexpected frame: " + text);
                                }
                            }
                        }
                    } catch (Exception e) {
                        pong.completeExceptionally(e);
                    }
                }, "flood-reader");
                reader.setDaemon(true);
                reader.start();

                for (int from = 0; from < TOPICS && !pong.isDone(); from += BATCH) {
                    assertThat(System.nanoTime() - start).as("sent %d of %d in time", from, TOPICS).isLessThan(DEADLINE_NANOS);
                    try {
                        ws.sendTexts(batch(from));
                    } catch (java.io.IOException e) {
                        throw new AssertionError("the server went away after " + from + " publications; alive: "
                                + server.alive() + "; its output:\n" + server.output(), e);
                    }
                }
                ws.sendTexts(List.of("{\"type\":\"ping\",\"id\":1}".getBytes(StandardCharsets.UTF_8)));
                long left = Math.max(1, DEADLINE_NANOS - (System.nanoTime() - start));
                assertThat(pong.get(left, TimeUnit.NANOSECONDS)).as("answers after the flood").contains("\"id\":1");
            }
            System.out.printf("%d publications in %d ms: %d refused with too_many_topics%n", TOPICS,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), refused.sum());
            assertThat(otherFrames.sum()).as("only too_many_topics refusals").isZero();
            assertThat(refused.sum()).as("the flood reached the topic limit").isPositive();
            assertThat(server.alive()).as("server alive; its output:\n%s", server.output()).isTrue();
            assertThat(server.output()).doesNotContain("OutOfMemoryError");

            String metrics = scrape(server.port());
            double limit = value(metrics, "ferry_topics");
            assertThat(limit).as("never more topics than the default limit for this heap").isLessThanOrEqualTo(256.0 * 1024 * 1024 / 2048);
            // the flood's topics expire (history.ttl) and are freed by the timer
            metrics = dev.ferry.server.testing.Await.value("idle topics freed",
                    java.time.Duration.ofSeconds(TTL_SECONDS + 30), () -> scrape(server.port()),
                    m -> value(m, "ferry_topics") == 0);
            assertThat(value(metrics, "ferry_topics")).as("idle topics freed").isZero();
            assertThat(value(metrics, "ferry_topics_freed_total")).isGreaterThanOrEqualTo(TOPICS - refused.sum());
            assertThat(value(metrics, "ferry_topics_refused_total")).isEqualTo(refused.sum());

            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/v1/ws");
            try (WsTestClient sub = WsTestClient.connect(uri); WsTestClient pub = WsTestClient.connect(uri)) {
                sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"after.flood\"}");
                assertThat(sub.nextJson().path("type").asText()).isEqualTo("result");
                pub.send("{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"after.flood\",\"data\":\"hello\"}");
                JsonNode ack = pub.nextJson();
                assertThat(ack.path("type").asText()).as(ack.toString()).isEqualTo("result");
                JsonNode msg = sub.nextJson();
                assertThat(msg.path("type").asText()).isEqualTo("msg");
                assertThat(msg.path("data").asText()).isEqualTo("hello");
            }
            assertThat(server.output()).doesNotContain("OutOfMemoryError");
        }
    }

    /** Publications to {@code flood.<n>} for {@link #BATCH} consecutive n, without ack. */
    private static List<byte[]> batch(int from) {
        return new AbstractList<>() {
            @Override
            public byte[] get(int i) {
                return ("{\"type\":\"pub\",\"topic\":\"flood." + (from + i) + "\",\"data\":1}").getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public int size() {
                return Math.min(BATCH, TOPICS - from);
            }
        };
    }

}
