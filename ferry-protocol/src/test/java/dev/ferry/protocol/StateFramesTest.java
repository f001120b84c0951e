package dev.ferry.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The state channel frames (docs/protocol.md §4.6) decode and encode as specified. */
class StateFramesTest {
    private static Frame roundTrip(Frame f) throws ProtocolException {
        return FrameCodec.decodeText(new String(FrameCodec.encode(f), StandardCharsets.UTF_8));
    }

    @Test
    void commands() throws Exception {
        assertThat(FrameCodec.decodeText("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"a.b\"}"))
                .isEqualTo(new Frame.StateSub(1, "a.b", -1, null));
        assertThat(FrameCodec.decodeText("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"a.b\",\"version\":4,\"epoch\":\"e\"}"))
                .isEqualTo(new Frame.StateSub(1, "a.b", 4, "e"));
        assertThat(FrameCodec.decodeText("{\"type\":\"state_get\",\"id\":2,\"topic\":\"a\"}")).isEqualTo(new Frame.StateGet(2, "a"));
        assertThat(FrameCodec.decodeText("{\"type\":\"state_unsub\",\"id\":2,\"topic\":\"a\"}")).isEqualTo(new Frame.StateUnsub(2, "a"));
        Frame.StateUpdate u = (Frame.StateUpdate) FrameCodec.decodeText(
                "{\"type\":\"state_update\",\"id\":3,\"topic\":\"a\",\"merge\":{\"x\": 1},\"if_version\":7}");
        assertThat(u.merge().jsonText()).isEqualTo("{\"x\": 1}");
        assertThat(u.patch()).isNull();
        assertThat(u.ifVersion()).isEqualTo(7);
        assertThat(roundTrip(u)).isEqualTo(u);
        Frame.StateUpdate p = new Frame.StateUpdate(4, "a", null, Payload.json("[{\"op\":\"remove\",\"path\":\"/x\"}]"), -1);
        assertThat(roundTrip(p)).isEqualTo(p);
        assertThat(roundTrip(new Frame.StateSub(5, "t", 3, "ep"))).isEqualTo(new Frame.StateSub(5, "t", 3, "ep"));
    }

    @Test
    void pushes() throws Exception {
        Frame.StateSnapshot s = new Frame.StateSnapshot("a", "ep", 3, Payload.json("{\"x\":1}"));
        assertThat(new String(FrameCodec.encode(s), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"state\",\"topic\":\"a\",\"epoch\":\"ep\",\"version\":3,\"data\":{\"x\":1}}");
        assertThat(roundTrip(s)).isEqualTo(s);
        Frame.StatePatch p = new Frame.StatePatch("a", "ep", 4, Payload.json("[]"));
        assertThat(new String(FrameCodec.encode(p), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"state_patch\",\"topic\":\"a\",\"epoch\":\"ep\",\"version\":4,\"patch\":[]}");
        assertThat(roundTrip(p)).isEqualTo(p);
    }

    @Test
    void anUpdateNeedsExactlyOnePatch() {
        assertThatThrownBy(() -> FrameCodec.decodeText("{\"type\":\"state_update\",\"id\":3,\"topic\":\"a\"}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("exactly one")
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.MISSING_FIELD);
        assertThatThrownBy(() -> FrameCodec.decodeText(
                "{\"type\":\"state_update\",\"id\":3,\"topic\":\"a\",\"merge\":{},\"patch\":[]}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> FrameCodec.decodeText(
                "{\"type\":\"state_update\",\"id\":3,\"topic\":\"a\",\"merge\":{},\"if_version\":-1}"))
                .isInstanceOf(ProtocolException.class).extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.BAD_FRAME);
    }
}
