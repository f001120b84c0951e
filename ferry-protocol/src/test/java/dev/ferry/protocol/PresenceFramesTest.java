package dev.ferry.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The presence members of {@code sub}, the {@code presence} command and the {@code presence_diff} push. */
class PresenceFramesTest {
    @Test
    void presenceFramesRoundTrip() throws Exception {
        List<Frame> frames = List.of(
                new Frame.Sub(1, "chat.room1", List.of(), null, false, Payload.json("{\"name\":\"Ana\"}"), true),
                new Frame.Sub(2, "chat.room1", List.of(), null, true, null, true),
                new Frame.Presence(3, "chat.room1", null, 0),
                new Frame.Presence(4, "chat.room1", "n1-17", 50),
                new Frame.PresenceDiff("chat.room1", Payload.json("[{\"conn\":\"a-1\",\"user\":null,\"joined\":1}]"),
                        Payload.json("[]"), false),
                new Frame.PresenceDiff("chat.room1", Payload.json("[]"), Payload.json("[]"), true));
        for (Frame f : frames) {
            String text = new String(FrameCodec.encode(f), StandardCharsets.UTF_8);
            assertThat(text).doesNotContain("\n");
            assertThat(FrameCodec.decodeText(text)).isEqualTo(f);
        }
    }

    @Test
    void subMembersAreDecoded() throws Exception {
        Frame.Sub s = (Frame.Sub) FrameCodec.decodeText(
                "{\"type\":\"sub\",\"id\":1,\"topic\":\"a\",\"presence\":{\"x\":[1,2]},\"presence_events\":true}");
        assertThat(new String(s.presence().bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"x\":[1,2]}");
        assertThat(s.presenceEvents()).isTrue();
        Frame.Sub plain = (Frame.Sub) FrameCodec.decodeText("{\"type\":\"sub\",\"id\":1,\"topic\":\"a\"}");
        assertThat(plain.presence()).isNull();
        assertThat(plain.presenceEvents()).isFalse();
    }

    @Test
    void badMembersAreBadFrames() {
        assertThatThrownBy(() -> FrameCodec.decodeText("{\"type\":\"sub\",\"id\":1,\"topic\":\"a\",\"presence_events\":1}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME));
        assertThatThrownBy(() -> FrameCodec.decodeText("{\"type\":\"presence\",\"id\":1,\"topic\":\"a\",\"cursor\":5}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME));
        assertThatThrownBy(() -> FrameCodec.decodeText("{\"type\":\"presence\",\"id\":1}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MISSING_FIELD));
        assertThatThrownBy(() -> FrameCodec.decodeText("{\"type\":\"presence\",\"topic\":\"a\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MISSING_FIELD));
        assertThatThrownBy(() -> FrameCodec.decodeText("{\"type\":\"presence\",\"id\":1,\"topic\":\"a\",\"limit\":-1}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME));
    }
}
