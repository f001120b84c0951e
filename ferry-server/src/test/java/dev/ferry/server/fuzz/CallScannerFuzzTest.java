package dev.ferry.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.ProtocolException;

/**
 * The parser-free {@code call} and {@code reply} scanner against the full parser: whenever the scanner reads a
 * frame, the full parser reads the same frame from the same bytes (it never refuses one the scanner took); frames
 * the scanner leaves are the full parser's. Seeds under src/test/resources start it on call and reply frames.
 */
class CallScannerFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void scannerAgreesWithTheFullParser(FuzzedDataProvider data) {
        byte[] frame = data.consumeRemainingAsBytes();
        Frame fast = FrameCodec.scanCall(frame, 0, frame.length);
        if (fast == null) {
            return;
        }
        Frame full;
        try {
            full = FrameCodec.decodeFull(frame, 0, frame.length);
        } catch (ProtocolException e) {
            throw new AssertionError("the scanner took a frame the full parser refuses: " + e.getMessage(), e);
        }
        assertThat(fast).isEqualTo(full);
    }
}
