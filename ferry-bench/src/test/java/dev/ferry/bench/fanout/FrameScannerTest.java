package dev.ferry.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrameScannerTest {
    private final FrameScanner scanner = new FrameScanner();

    private boolean scan(String frame) {
        ByteBuf buf = Unpooled.copiedBuffer(frame, StandardCharsets.UTF_8);
        try {
            return scanner.scan(buf, buf.readerIndex(), buf.writerIndex());
        } finally {
            buf.release();
        }
    }

    @Test
    void readsTheTimestampOfAMsg() {
        assertThat(scan("{\"type\":\"msg\",\"topic\":\"a.b\",\"offset\":7,\"data\":{\"t\":123456789012,\"pad\":\"xx\"}}"))
                .isTrue();
        assertThat(scanner.type()).isEqualTo(FrameScanner.Type.MSG);
        assertThat(scanner.hasT()).isTrue();
        assertThat(scanner.t()).isEqualTo(123456789012L);
    }

    @Test
    void membersInAnyOrderAndTrickyValuesBeforeT() {
        String frame = "{ \"data\" : {\"pad\":\"a \\\"t\\\":1 }\\\\\",\"n\":{\"t\":[1,{\"t\":2}]},\"t\" : -42 },"
                + "\"offset\":1,\"topic\":\"x\",\"type\":\"msg\"}";
        assertThat(scan(frame)).isTrue();
        assertThat(scanner.type()).isEqualTo(FrameScanner.Type.MSG);
        assertThat(scanner.t()).isEqualTo(-42);
    }

    @Test
    void largestTimestamp() {
        assertThat(scan("{\"type\":\"msg\",\"data\":{\"t\":" + Long.MAX_VALUE + "}}")).isTrue();
        assertThat(scanner.t()).isEqualTo(Long.MAX_VALUE);
        assertThat(scan("{\"type\":\"msg\",\"data\":{\"t\":9223372036854775808}}")).isFalse();
    }

    @Test
    void msgWithoutATimestamp() {
        assertThat(scan("{\"type\":\"msg\",\"topic\":\"a\",\"offset\":1,\"data\":[1,2]}")).isTrue();
        assertThat(scanner.type()).isEqualTo(FrameScanner.Type.MSG);
        assertThat(scanner.hasT()).isFalse();
        assertThat(scan("{\"type\":\"msg\",\"data\":{\"t\":1.5}}")).isFalse();
    }

    @Test
    void resultAndErrorWithTheirIds() {
        assertThat(scan("{\"type\":\"result\",\"id\":1,\"data\":{\"topic\":\"a\"}}")).isTrue();
        assertThat(scanner.type()).isEqualTo(FrameScanner.Type.RESULT);
        assertThat(scanner.id()).isEqualTo(1);
        assertThat(scan("{\"type\":\"error\",\"id\":3,\"code\":\"bad_topic\",\"message\":\"no\"}")).isTrue();
        assertThat(scanner.type()).isEqualTo(FrameScanner.Type.ERROR);
        assertThat(scanner.id()).isEqualTo(3);
        assertThat(scan("{\"type\":\"goaway\",\"reason\":\"bye\",\"reconnect_ms\":100}")).isTrue();
        assertThat(scanner.type()).isEqualTo(FrameScanner.Type.OTHER);
    }

    @Test
    void rejectsWhatIsNotAnObject() {
        assertThat(scan("")).isFalse();
        assertThat(scan("[1]")).isFalse();
        assertThat(scan("{\"type\":\"msg\",\"data\":{\"t\":")).isFalse();
        assertThat(scan("{\"type\":\"ms")).isFalse();
    }

    @Test
    void scansOnlyTheGivenRange() {
        ByteBuf buf = Unpooled.copiedBuffer("{\"type\":\"msg\",\"data\":{\"t\":1}}\n{\"type\":\"msg\",\"data\":{\"t\":22}}",
                StandardCharsets.UTF_8);
        try {
            int lf = buf.indexOf(0, buf.writerIndex(), (byte) '\n');
            assertThat(scanner.scan(buf, lf + 1, buf.writerIndex())).isTrue();
            assertThat(scanner.t()).isEqualTo(22);
            assertThat(scanner.scan(buf, 0, lf - 3)).isFalse(); // cut before the digits of t
        } finally {
            buf.release();
        }
    }
}
