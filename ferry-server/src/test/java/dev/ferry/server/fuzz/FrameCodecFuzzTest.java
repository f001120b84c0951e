package dev.ferry.server.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.server.ServerAssembly;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.rpc.Rpc;
import dev.ferry.server.transport.Outbound;
import dev.ferry.server.session.Session;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;

/**
 * Arbitrary bytes through the frame codec and a session: the codec may only answer {@link ProtocolException}, the
 * session must never throw, everything it sends must encode, and no buffer may leak (the build runs with paranoid
 * leak detection). Regression mode runs the inputs under src/test/resources; {@code JAZZER_FUZZ=1} fuzzes.
 */
class FrameCodecFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void codecAndSession(FuzzedDataProvider data) {
        boolean binary = data.consumeBoolean();
        byte[] message = data.consumeRemainingAsBytes();
        if (binary) {
            try {
                FrameCodec.encode(FrameCodec.decodeBinary(message));
            } catch (ProtocolException expected) {
                // the only way the codec may refuse input
            }
        } else {
            FrameCodec.decodeText(message, new FrameCodec.Sink() {
                @Override
                public void frame(Frame frame) {
                    FrameCodec.encode(frame);
                }

                @Override
                public void error(ProtocolException error) {
                    FrameCodec.encode(new Frame.Error(error.id(), error.code().wire(), error.getMessage(), null));
                }
            });
        }
        EmbeddedChannel ch = new EmbeddedChannel();
        var server = ServerAssembly.of(FerryConfig.DEFAULT, new Hub(), new Rpc(FerryConfig.DEFAULT.rpc()));
        Session session = new Session(server.sessions(), new EncodingOutbound(ch.eventLoop()), "fuzz");
        try {
            if (binary) {
                session.onBinary(message);
            } else {
                session.onText(message);
                session.onText(message); // twice: state left by the first (subscriptions, registrations) is exercised
            }
            ch.runPendingTasks();
        } finally {
            session.closed();
            ch.runPendingTasks();
            ch.finishAndReleaseAll();
            server.sessions().security().close();
        }
    }

    /** Encodes every frame (as the real outbound does) and releases every buffer it is handed. */
    private static final class EncodingOutbound implements Outbound {
        private final EventExecutor executor;

        EncodingOutbound(EventExecutor executor) {
            this.executor = executor;
        }

        @Override
        public EventExecutor executor() {
            return executor;
        }

        @Override
        public void send(Frame frame) {
            FrameCodec.encode(frame);
        }

        @Override
        public void send(ByteBuf encoded, boolean binary) {
            encoded.release();
        }

        @Override
        public void close(int code, String reason) {
        }
    }
}
