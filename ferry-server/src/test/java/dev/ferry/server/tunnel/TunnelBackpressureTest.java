package dev.ferry.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A peer that stops reading holds the other peer back through the gateway, which buffers only a bounded amount
 * ({@link TunnelStats#bytesInFlight()}) instead of everything the fast side sends.
 */
class TunnelBackpressureTest {
    /** Loopback buffers absorb about 8 MiB before a peer that does not read stops the other; send three times that. */
    private static final int TOTAL = 24 << 20;
    private static final int CHUNK = 64 * 1024;
    /** Generous: one read batch plus a write-buffer high-water mark per direction is what the relay allows. */
    private static final long MAX_IN_FLIGHT = 1 << 20;

    static final TcpPeer upstream = start();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withTunnel(c.tunnel()
            .withRoutes(List.of(TunnelRoute.of(TunnelRoute.Kind.TCP, "slow", "127.0.0.1", upstream.port())))));

    private static TcpPeer start() {
        try {
            return TcpPeer.manual();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        upstream.close();
    }

    private static TunnelStats stats() {
        return server.server().tunnelStats().get(0);
    }

    /** Waits until {@code progress} has not moved for a second; returns the largest in-flight count seen meanwhile. */
    private static long awaitStall(LongSupplier progress) throws InterruptedException {
        long peak = 0;
        long last = -1;
        long stillSince = System.nanoTime();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            peak = Math.max(peak, stats().bytesInFlight());
            long now = progress.getAsLong();
            if (now != last) {
                last = now;
                stillSince = System.nanoTime();
            } else if (System.nanoTime() - stillSince > 1_000_000_000L) {
                return peak;
            }
            Thread.sleep(2); // the sampling period of the in-flight peak: a measurement, not a wait for a condition
        }
        throw new AssertionError("no stall within 30 s: progress " + progress.getAsLong());
    }

    @Test
    void slowUpstreamHoldsTheWebSocketClientBack() throws Exception {
        AtomicLong sent = new AtomicLong();
        try (WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/v1/tunnel/slow"))) {
            Socket up = upstream.nextAccepted();
            Thread sender = new Thread(() -> {
                byte[] chunk = new byte[CHUNK];
                while (sent.get() < TOTAL) {
                    c.webSocket().sendBinary(ByteBuffer.wrap(chunk), true).join();
                    sent.addAndGet(CHUNK);
                }
            }, "ws-sender");
            sender.setDaemon(true);
            sender.start();

            long peak = awaitStall(sent::get);
            System.out.println("client stalled after " + sent.get() + " bytes; gateway peak in flight " + peak);
            assertThat(sent.get()).as("the client is held back").isLessThan(TOTAL);
            assertThat(peak).as("bytes the gateway held at once").isLessThanOrEqualTo(MAX_IN_FLIGHT);

            long received = 0;
            InputStream in = up.getInputStream();
            byte[] buf = new byte[1 << 16];
            int n;
            while (received < TOTAL && (n = in.read(buf)) >= 0) {
                received += n;
                peakCheck();
            }
            assertThat(received).isEqualTo(TOTAL);
            sender.join(10_000);
            up.close();
        }
    }

    @Test
    void slowWebSocketClientHoldsTheUpstreamBack() throws Exception {
        AtomicLong written = new AtomicLong();
        try (WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/v1/tunnel/slow"))) {
            c.stopReading();
            Socket up = upstream.nextAccepted();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[CHUNK];
                try {
                    OutputStream out = up.getOutputStream();
                    while (written.get() < TOTAL) {
                        out.write(chunk);
                        written.addAndGet(CHUNK);
                    }
                } catch (IOException e) {
                    // the test ended
                }
            }, "upstream-writer");
            writer.setDaemon(true);
            writer.start();

            long peak = awaitStall(written::get);
            System.out.println("upstream stalled after " + written.get() + " bytes; gateway peak in flight " + peak);
            assertThat(written.get()).as("the upstream is held back").isLessThan(TOTAL);
            assertThat(peak).as("bytes the gateway held at once").isLessThanOrEqualTo(MAX_IN_FLIGHT);

            c.resumeReading();
            long received = 0;
            while (received < TOTAL) {
                WsTestClient.Received r = c.next();
                assertThat(r.binary()).isNotNull();
                received += r.binary().length;
                if ((received & 0xFFFFF) == 0) {
                    peakCheck();
                }
            }
            assertThat(received).isEqualTo(TOTAL);
            writer.join(10_000);
            up.close();
        }
    }

    private static void peakCheck() {
        assertThat(stats().bytesInFlight()).isLessThanOrEqualTo(MAX_IN_FLIGHT);
    }
}
