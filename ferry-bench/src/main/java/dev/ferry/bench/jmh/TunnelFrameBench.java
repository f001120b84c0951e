package dev.ferry.bench.jmh;

import dev.ferry.server.tunnel.client.InPlaceMaskingEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the tunnel client ({@code ferry tunnel}) spends to turn one chunk read from the local socket into a masked
 * WebSocket frame (RFC 6455 §5.3): {@link #nettyEncoder} is Netty's client encoder, which copies the payload into a
 * new buffer while masking it; {@link #maskedInPlace} is {@link InPlaceMaskingEncoder}, which masks the chunk where
 * it lies and writes a separate header. Both include taking the chunk from the pooled allocator, as a read does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class TunnelFrameBench {
    @Param({"65536"})
    int chunkBytes;

    private EmbeddedChannel netty;
    private EmbeddedChannel inPlace;

    @Setup(Level.Trial)
    public void setUp() {
        netty = new EmbeddedChannel(new WebSocket08FrameEncoder(true));
        inPlace = new EmbeddedChannel(new WebSocket08FrameEncoder(true), new InPlaceMaskingEncoder());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        netty.finishAndReleaseAll();
        inPlace.finishAndReleaseAll();
    }

    private ByteBuf chunk() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(chunkBytes);
        return b.writerIndex(chunkBytes);
    }

    private static int drain(EmbeddedChannel ch) {
        int bytes = 0;
        for (Object o; (o = ch.readOutbound()) != null; ) {
            bytes += ((ByteBuf) o).readableBytes();
            ReferenceCountUtil.release(o);
        }
        return bytes;
    }

    @Benchmark
    public int nettyEncoder() {
        netty.writeOutbound(new BinaryWebSocketFrame(chunk()));
        return drain(netty);
    }

    @Benchmark
    public int maskedInPlace() {
        inPlace.writeOutbound(new BinaryWebSocketFrame(chunk()));
        return drain(inPlace);
    }
}
