package dev.ferry.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.JsonText;
import dev.ferry.protocol.ProtocolException;
import java.util.ArrayList;
import java.util.List;

/**
 * Arbitrary bytes decoded as a text message and as a binary one; every frame the codec accepts is encoded again,
 * and the encoding must not throw, must be well-formed Unicode on one line, and must decode back to an equal frame.
 * Every refusal must encode as an {@code error} frame too. So whatever the decoder lets in can be stored, relayed
 * and echoed. Regression mode runs the inputs under src/test/resources; {@code JAZZER_FUZZ=1} fuzzes.
 */
class FrameRoundTripFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void decodeEncodeDecode(byte[] message) {
        List<Frame> frames = new ArrayList<>();
        List<ProtocolException> errors = new ArrayList<>();
        FrameCodec.decodeText(message, new FrameCodec.Sink() {
            @Override
            public void frame(Frame frame) {
                frames.add(frame);
            }

            @Override
            public void error(ProtocolException error) {
                errors.add(error);
            }
        });
        for (Frame f : frames) {
            assertThat(FrameCodec.isBinary(f)).isFalse();
            byte[] encoded = FrameCodec.encode(f);
            assertThat(JsonText.unicodeFault(encoded, 0, encoded.length)).as("encoding of %s", f).isNull();
            for (byte b : encoded) {
                assertThat(b).as("a text frame's encoding holds no LF").isNotEqualTo(FrameCodec.LF);
            }
            assertThat(decodeOne(encoded)).isEqualTo(f);
        }
        for (ProtocolException e : errors) {
            FrameCodec.encode(new Frame.Error(e.id(), e.code().wire(), e.getMessage(), null));
        }
        Frame binary;
        try {
            binary = FrameCodec.decodeBinary(message);
        } catch (ProtocolException e) {
            FrameCodec.encode(new Frame.Error(e.id(), e.code().wire(), e.getMessage(), null));
            return;
        }
        byte[] encoded = FrameCodec.encode(binary);
        Frame again;
        try {
            again = FrameCodec.isBinary(binary) ? FrameCodec.decodeBinary(encoded) : decodeOne(encoded);
        } catch (ProtocolException e) {
            throw new AssertionError("the encoding of " + binary + " does not decode: " + e.getMessage(), e);
        }
        assertThat(again).isEqualTo(binary);
    }

    private static Frame decodeOne(byte[] text) {
        List<Frame> out = new ArrayList<>();
        FrameCodec.decodeText(text, new FrameCodec.Sink() {
            @Override
            public void frame(Frame frame) {
                out.add(frame);
            }

            @Override
            public void error(ProtocolException error) {
                throw new AssertionError("an encoded frame does not decode: " + error.code() + " " + error.getMessage()
                        + " in " + new String(text, java.nio.charset.StandardCharsets.UTF_8));
            }
        });
        assertThat(out).hasSize(1);
        return out.get(0);
    }
}
