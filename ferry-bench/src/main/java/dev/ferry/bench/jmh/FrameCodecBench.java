package dev.ferry.bench.jmh;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The ferry.v1 codec on the paths every message takes: decoding what a client sends (a {@code pub} with a 128-byte
 * JSON payload, a batch of ten such frames in one LF-separated message, a binary {@code pub}, a {@code call} and a
 * {@code reply}, these two also with the full parser their scanner spares them) and encoding what the server
 * pushes (the {@code msg} of a publication, a {@code result}), into a new array or into a writer reused from one
 * frame to the next as the server's event loops do.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class FrameCodecBench {
    private static final String DATA = "{\"t\":1234567890123456,\"pad\":\"" + "x".repeat(97) + "\"}"; // 128 bytes

    private final byte[] pub = ("{\"type\":\"pub\",\"topic\":\"sensors.r1.d42.temp\",\"data\":" + DATA + "}")
            .getBytes(StandardCharsets.UTF_8);
    private final byte[] pubBatch = batch(pub, 10);
    /** A call and its reply as `ferry-bench rpc` and the peer suite send them (a 64-byte string as the args). */
    private final byte[] call = ("{\"type\":\"call\",\"id\":123456,\"proc\":\"bench.echo\",\"args\":\""
            + "x".repeat(62) + "\"}").getBytes(StandardCharsets.UTF_8);
    private final byte[] reply = ("{\"type\":\"reply\",\"id\":98765,\"data\":\"" + "x".repeat(62) + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    private final byte[] pubBinary = binaryPub();
    private final Frame.Msg msg = new Frame.Msg("sensors.r1.d42.temp", 1234567L, "9f2c0a1b7d3e", Payload.json(DATA));
    private final Frame.Result result = new Frame.Result(42, Payload.json("{\"offset\":1234567}"));
    /** The encoder's buffer as a server event loop keeps it (docs/benchmarks/log.md, "RPC path, step 5"). */
    private final FrameCodec.Writer writer = new FrameCodec.Writer();

    private static byte[] batch(byte[] frame, int n) {
        byte[] out = new byte[n * (frame.length + 1) - 1];
        for (int i = 0; i < n; i++) {
            System.arraycopy(frame, 0, out, i * (frame.length + 1), frame.length);
            if (i < n - 1) {
                out[i * (frame.length + 1) + frame.length] = FrameCodec.LF;
            }
        }
        return out;
    }

    private static byte[] binaryPub() {
        byte[] header = "{\"type\":\"pub\",\"topic\":\"sensors.r1.d42.temp\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[header.length + 128];
        System.arraycopy(header, 0, out, 0, header.length);
        return out;
    }

    private static final class Counting implements FrameCodec.Sink {
        final Blackhole bh;

        Counting(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public void frame(Frame frame) {
            bh.consume(frame);
        }

        @Override
        public void error(ProtocolException error) {
            throw new AssertionError(error);
        }
    }

    @Benchmark
    public void decodePub(Blackhole bh) {
        FrameCodec.decodeText(pub, new Counting(bh));
    }

    /** Ten frames in one message: divide by ten for the cost per frame. */
    @Benchmark
    public void decodePubBatchOf10(Blackhole bh) {
        FrameCodec.decodeText(pubBatch, new Counting(bh));
    }

    @Benchmark
    public void decodeCall(Blackhole bh) {
        FrameCodec.decodeText(call, new Counting(bh));
    }

    /** {@link #decodeCall} with the full parser only: what the {@code call} scanner saves. */
    @Benchmark
    public Frame decodeCallFullParser() throws ProtocolException {
        return FrameCodec.decodeFull(call, 0, call.length);
    }

    @Benchmark
    public void decodeReply(Blackhole bh) {
        FrameCodec.decodeText(reply, new Counting(bh));
    }

    /** {@link #decodeReply} with the full parser only. */
    @Benchmark
    public Frame decodeReplyFullParser() throws ProtocolException {
        return FrameCodec.decodeFull(reply, 0, reply.length);
    }

    @Benchmark
    public Frame decodeBinaryPub() throws ProtocolException {
        return FrameCodec.decodeBinary(pubBinary);
    }

    /** The well-formed Unicode check every decoded frame goes through first (part of {@link #decodePub}). */
    @Benchmark
    public String unicodeCheckOfPub() {
        return dev.ferry.protocol.JsonText.unicodeFault(pub, 0, pub.length);
    }

    @Benchmark
    public byte[] encodeMsg() {
        return FrameCodec.encode(msg);
    }

    @Benchmark
    public byte[] encodeResult() {
        return FrameCodec.encode(result);
    }

    @Benchmark
    public FrameCodec.Writer encodeMsgIntoReusedWriter() {
        return FrameCodec.encode(msg, writer);
    }

    @Benchmark
    public FrameCodec.Writer encodeResultIntoReusedWriter() {
        return FrameCodec.encode(result, writer);
    }
}
