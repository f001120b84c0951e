package dev.ferry.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    /** The frames and errors of decoded messages (JsonTextTest uses it too). */
    static final class Collect implements FrameCodec.Sink {
        final List<Frame> frames = new ArrayList<>();
        final List<ProtocolException> errors = new ArrayList<>();

        @Override
        public void frame(Frame frame) {
            frames.add(frame);
        }

        @Override
        public void error(ProtocolException error) {
            errors.add(error);
        }
    }

    private static Collect decode(String text) {
        Collect c = new Collect();
        FrameCodec.decodeText(text.getBytes(StandardCharsets.UTF_8), c);
        return c;
    }

    @Test
    void stringsAreEscapedOnlyWhereJsonNeedsIt() {
        String tricky = "say \"hi\" \\ tab\t line\n é ✓ \u0001";
        byte[] encoded = FrameCodec.encode(new Frame.Error(3, "bad_frame", tricky, null));
        String text = new String(encoded, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("\n").contains("\\\"hi\\\"", "\\\\", "\\t", "\\n", "é ✓", "\\u0001");
        com.fasterxml.jackson.databind.JsonNode parsed = readTree(text);
        assertThat(parsed.path("message").asText()).isEqualTo(tricky);
        // plain ASCII (topics, epochs) is copied as it is
        String msg = new String(FrameCodec.encode(new Frame.Msg("a.b-c_d", 7, "9f2c0a1b7d3e", Payload.json("1"))),
                StandardCharsets.UTF_8);
        assertThat(msg).isEqualTo("{\"type\":\"msg\",\"topic\":\"a.b-c_d\",\"offset\":7,\"epoch\":\"9f2c0a1b7d3e\",\"data\":1}");
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void batchKeepsPayloadsVerbatim() {
        Collect c = decode("{\"type\":\"pub\",\"topic\":\"a.b\",\"data\":{\"x\": [1, 2.50, \"é\"]}}\n"
                + "{\"type\":\"pub\",\"id\":7,\"ack\":true,\"data\":\"second\",\"topic\":\"a.c\"}\n");
        assertThat(c.errors).isEmpty();
        assertThat(c.frames).containsExactly(
                new Frame.Pub(0, "a.b", Payload.json("{\"x\": [1, 2.50, \"é\"]}"), false),
                new Frame.Pub(7, "a.c", Payload.json("\"second\""), true));
    }

    @Test
    void badFrameInBatchDoesNotStopTheOthers() {
        Collect c = decode("{\"type\":\"ping\",\"id\":1}\n{oops\n[1,2]\n{\"type\":\"sub\",\"id\":2}\n{\"type\":\"nope\",\"id\":3}\n{\"type\":\"ping\",\"id\":4}");
        assertThat(c.frames).containsExactly(new Frame.Ping(1), new Frame.Ping(4));
        assertThat(c.errors).extracting(ProtocolException::code).containsExactly(
                ErrorCode.BAD_FRAME, ErrorCode.BAD_FRAME, ErrorCode.MISSING_FIELD, ErrorCode.UNKNOWN_COMMAND);
        assertThat(c.errors.get(2).id()).isEqualTo(2);
        assertThat(c.errors.get(2).getMessage()).contains("topic");
        assertThat(c.errors.get(3).id()).isEqualTo(3);
    }

    @Test
    void wrongTypesAreBadFrames() {
        assertThat(decode("{\"type\":\"sub\",\"id\":\"1\",\"topic\":\"a\"}").errors.get(0).code()).isEqualTo(ErrorCode.BAD_FRAME);
        assertThat(decode("{\"type\":\"sub\",\"id\":0,\"topic\":\"a\"}").errors.get(0).code()).isEqualTo(ErrorCode.BAD_FRAME);
        assertThat(decode("{\"type\":\"sub\",\"id\":1,\"topic\":5}").errors.get(0).code()).isEqualTo(ErrorCode.BAD_FRAME);
        assertThat(decode("{\"type\":\"call\",\"id\":1,\"proc\":\"p\",\"timeout\":-5}").errors.get(0).code()).isEqualTo(ErrorCode.BAD_TIMEOUT);
        assertThat(decode("{\"type\":\"ping\",\"id\":1} trailing").errors.get(0).code()).isEqualTo(ErrorCode.BAD_FRAME);
    }

    @Test
    void everyFrameRoundTrips() throws Exception {
        Payload data = Payload.json("{\"k\":[true,null]}");
        List<Frame> frames = List.of(
                new Frame.Sub(1, "a.*"), new Frame.Unsub(2, "a.#"), new Frame.Pub(3, "a.b", data, true),
                new Frame.Call(4, "math.add", Payload.json("[1,2]"), 500), new Frame.Register(5, "p"),
                new Frame.Unregister(6, "p"), new Frame.Reply(7, data, null),
                new Frame.Reply(8, null, new Frame.ErrorBody("app.oops", "it \"broke\"\n", Payload.json("1"))),
                new Frame.Ping(9), new Frame.Msg("a.b", 42, data), new Frame.Result(10, data), new Frame.Result(11, null),
                new Frame.Error(12, "bad_topic", "nope", null), new Frame.Invoke(13, "p", data), new Frame.Pong(14),
                new Frame.GoAway("bye", 1500), new Frame.Index(15, "a.b"), new Frame.Index(16, ""),
                new Frame.Sub(17, "a.*", List.of(), "region == 'east' and tags.k != \"x\""),
                new Frame.Pub(18, "a.b", data, false, java.util.Map.of("k", "v", "env", "pr\"od")),
                new Frame.Msg("a.b", 43, "e1", data, java.util.Map.of("k", "v")),
                new Frame.Call(19, "p", data, 0, true), new Frame.Register(20, "p", InvokePolicy.LAST),
                new Frame.Reply(21, data, null, true), new Frame.Cancel(22, CancelMode.KILL),
                new Frame.Cancel(23, CancelMode.SKIP), new Frame.Invoke(24, "p", data, true),
                new Frame.Progress(25, data), new Frame.Interrupt(26, CancelMode.KILLNOWAIT, "timeout"),
                new Frame.Procedures(27, "a"));
        for (Frame f : frames) {
            byte[] bytes = FrameCodec.encode(f);
            assertThat(FrameCodec.isBinary(f)).isFalse();
            assertThat(new String(bytes, StandardCharsets.UTF_8)).doesNotContain("\n");
            assertThat(FrameCodec.decodeText(new String(bytes, StandardCharsets.UTF_8))).isEqualTo(f);
        }
    }

    /**
     * The decoder keeps one field holder per thread and empties it before each frame: every field, including any
     * added later, must be back to what a new holder has, or one frame's member would leak into the next.
     */
    @Test
    void aClearedFieldHolderIsLikeANewOne() throws Exception {
        FrameCodec.Fields fresh = new FrameCodec.Fields();
        FrameCodec.Fields used = new FrameCodec.Fields();
        java.lang.reflect.Field[] fields = FrameCodec.Fields.class.getDeclaredFields();
        for (java.lang.reflect.Field field : fields) {
            field.setAccessible(true);
            field.set(used, valueOtherThan(field.get(fresh), field.getType()));
            assertThat(field.get(used)).as(field.getName()).isNotEqualTo(field.get(fresh));
        }
        used.clear();
        for (java.lang.reflect.Field field : fields) {
            assertThat(field.get(used)).as(field.getName()).isEqualTo(field.get(fresh));
        }
        assertThat(fields).hasSizeGreaterThan(30);
    }

    private static Object valueOtherThan(Object value, Class<?> type) {
        if (type == long.class) {
            return (Long) value == 7L ? 8L : 7L;
        } else if (type == int.class) {
            return (Integer) value == 7 ? 8 : 7;
        } else if (type == boolean.class) {
            return !(Boolean) value;
        } else if (type == String.class) {
            return "x";
        } else if (type == Payload.class) {
            return Payload.json("1");
        } else if (type == Frame.ErrorBody.class) {
            return new Frame.ErrorBody("c", "m", null);
        } else if (type == List.class) {
            return List.of(new Frame.Position("t", 1, "e"));
        } else if (type == java.util.Map.class) {
            return java.util.Map.of("k", "v");
        }
        throw new AssertionError("a value for a field of type " + type + ": add one here");
    }

    /** Frames decoded one after the other on one thread, each with members the other lacks, keep only their own. */
    @Test
    void membersOfOneFrameDoNotLeakIntoTheNext() throws Exception {
        Collect c = decode("{\"type\":\"sub\",\"id\":1,\"topic\":\"a.b\",\"since\":{\"offset\":3,\"epoch\":\"e\"},"
                + "\"durable\":true,\"filter\":\"x > 1\"}\n{\"type\":\"sub\",\"id\":2,\"topic\":\"c\"}\n"
                + "{\"type\":\"call\",\"id\":3,\"proc\":\"p\",\"args\":[1],\"timeout\":50}\n{\"type\":\"call\",\"id\":4,\"proc\":\"p\"}");
        assertThat(c.errors).isEmpty();
        assertThat(c.frames.get(1)).isEqualTo(FrameCodec.decodeText("{\"type\":\"sub\",\"id\":2,\"topic\":\"c\"}"));
        Frame.Sub second = (Frame.Sub) c.frames.get(1);
        assertThat(second.since()).isEmpty();
        assertThat(second.durable()).isFalse();
        assertThat(second.filter()).isNull();
        Frame.Call last = (Frame.Call) c.frames.get(3);
        assertThat(last.timeoutMs()).isZero();
        assertThat(last.args()).isNotEqualTo(Payload.json("[1]"));
    }

    /** One writer reused for frames of every kind, larger and smaller, gives the bytes a fresh encoding gives. */
    @Test
    void aReusedWriterEncodesAsAFreshOne() {
        Payload big = Payload.json("\"" + "x".repeat(5000) + "\"");
        List<Frame> frames = List.of(
                new Frame.Result(1, Payload.json("[1,2]")), new Frame.Msg("a.b", 42, "e", big), new Frame.Ping(9),
                new Frame.Invoke(Long.MAX_VALUE, "p", Payload.json("{}")), new Frame.Call(10, "p", Payload.json("1"), 987654321),
                new Frame.Msg("a.b", 0, null, Payload.binary(new byte[] {0, 10, -1})), new Frame.GoAway("bye", 0),
                new Frame.Error(7, "bad_frame", "é", null), new Frame.Result(1_000_000_007L, null));
        FrameCodec.Writer writer = new FrameCodec.Writer();
        for (Frame f : frames) {
            FrameCodec.Writer w = FrameCodec.encode(f, writer);
            assertThat(w).isSameAs(writer);
            assertThat(java.util.Arrays.copyOf(w.array(), w.length())).as(f.toString()).isEqualTo(FrameCodec.encode(f));
        }
        assertThat(writer.capacity()).as("kept the largest array it needed").isGreaterThan(5000);
    }

    @Test
    void numbersAreWrittenAsLongToStringWrites() throws Exception {
        for (long n : new long[] {1, 9, 10, 99, 100, 12345, 1L << 31, 999_999_999_999L, Long.MAX_VALUE}) {
            String text = new String(FrameCodec.encode(new Frame.Result(n, null)), StandardCharsets.UTF_8);
            assertThat(text).isEqualTo("{\"type\":\"result\",\"id\":" + n + "}");
        }
        String msg = new String(FrameCodec.encode(new Frame.Msg("a", 0, Payload.json("1"))), StandardCharsets.UTF_8);
        assertThat(msg).isEqualTo("{\"type\":\"msg\",\"topic\":\"a\",\"offset\":0,\"data\":1}");
    }

    /** A message in the middle of a larger array: only its own bytes are read, and no frame refers to the array. */
    @Test
    void decodesASliceOfAnArray() {
        byte[] message = "{\"type\":\"pub\",\"topic\":\"a.b\",\"data\":[1,2]}\n{\"type\":\"ping\",\"id\":3}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[message.length + 20];
        java.util.Arrays.fill(buf, (byte) '{');
        System.arraycopy(message, 0, buf, 7, message.length);
        Collect c = new Collect();
        FrameCodec.decodeText(buf, 7, message.length, c);
        assertThat(c.errors).isEmpty();
        java.util.Arrays.fill(buf, (byte) 'x');
        assertThat(c.frames).containsExactly(new Frame.Pub(0, "a.b", Payload.json("[1,2]"), false), new Frame.Ping(3));
        assertThatThrownBy(() -> FrameCodec.decodeText(buf, 10, buf.length, new Collect()))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void tagsAndFilters() throws Exception {
        Frame.Pub pub = (Frame.Pub) FrameCodec.decodeText(
                "{\"type\":\"pub\",\"topic\":\"a\",\"tags\":{\"region\":\"east\",\"t_2\":\"\"},\"data\":1}");
        assertThat(pub.tags()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("region", "east", "t_2", ""));
        assertThat(((Frame.Pub) FrameCodec.decodeText("{\"type\":\"pub\",\"topic\":\"a\",\"data\":1}")).tags()).isEmpty();
        Frame.Sub sub = (Frame.Sub) FrameCodec.decodeText("{\"type\":\"sub\",\"id\":1,\"topic\":\"a\",\"filter\":\"x > 1\"}");
        assertThat(sub.filter()).isEqualTo("x > 1");
        assertThat(decode("{\"type\":\"sub\",\"id\":1,\"topic\":\"a\",\"filter\":1}").errors.get(0).code())
                .isEqualTo(ErrorCode.BAD_FRAME);
        String tooMany = java.util.stream.IntStream.rangeClosed(0, FrameCodec.MAX_TAGS)
                .mapToObj(i -> "\"t" + i + "\":\"v\"").collect(java.util.stream.Collectors.joining(","));
        for (String bad : List.of("[]", "\"x\"", "{\"a\":1}", "{\"a\":null}", "{\"\":\"v\"}", "{\"1a\":\"v\"}",
                "{\"a-b\":\"v\"}", "{\"" + "n".repeat(FrameCodec.MAX_TAG_NAME + 1) + "\":\"v\"}",
                "{\"a\":\"" + "v".repeat(FrameCodec.MAX_TAG_VALUE + 1) + "\"}", "{" + tooMany + "}")) {
            Collect c = decode("{\"type\":\"pub\",\"id\":4,\"topic\":\"a\",\"data\":1,\"tags\":" + bad + "}");
            assertThat(c.errors).as(bad).hasSize(1);
            assertThat(c.errors.get(0).code()).as(bad).isEqualTo(ErrorCode.BAD_TAGS);
            assertThat(c.errors.get(0).id()).isEqualTo(4);
        }
        byte[] blob = {1, 2};
        Frame.Msg binary = new Frame.Msg("a", 1, "e", Payload.binary(blob), java.util.Map.of("k", "v"));
        assertThat(FrameCodec.decodeBinary(FrameCodec.encode(binary))).isEqualTo(binary);
    }

    @Test
    void binaryPayloadTravelsAfterTheHeader() throws Exception {
        byte[] blob = {0, 10, (byte) 0xff, '\n', 1};
        Frame.Msg msg = new Frame.Msg("files.x", 3, Payload.binary(blob));
        assertThat(FrameCodec.isBinary(msg)).isTrue();
        byte[] wire = FrameCodec.encode(msg);
        assertThat(new String(wire, 0, wire.length - blob.length, StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"msg\",\"topic\":\"files.x\",\"offset\":3}\n");
        assertThat(FrameCodec.decodeBinary(wire)).isEqualTo(msg);

        Frame call = FrameCodec.decodeBinary("{\"type\":\"call\",\"id\":1,\"proc\":\"p\"}\nxyz".getBytes(StandardCharsets.UTF_8));
        assertThat(call).isEqualTo(new Frame.Call(1, "p", Payload.binary("xyz".getBytes(StandardCharsets.UTF_8)), 0));
    }

    @Test
    void malformedBinaryMessages() {
        assertThatThrownBy(() -> FrameCodec.decodeBinary(new byte[] {1, 2, 3}))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("LF");
        assertThatThrownBy(() -> FrameCodec.decodeBinary("{\"type\":\"pub\",\"topic\":\"a\",\"data\":1}\nx".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("payload member");
    }

    @Test
    void stringsAreEscaped() throws Exception {
        Frame.Error e = new Frame.Error(0, "x", "line1\nline2 \"q\" \\ \u0001", null);
        String wire = new String(FrameCodec.encode(e), StandardCharsets.UTF_8);
        assertThat(wire).doesNotContain("\n");
        assertThat(FrameCodec.decodeText(wire)).isEqualTo(e);
    }

    @Test
    void indexCommand() throws Exception {
        assertThat(FrameCodec.decodeText("{\"type\":\"index\",\"id\":3}")).isEqualTo(new Frame.Index(3, ""));
        assertThat(FrameCodec.decodeText("{\"type\":\"index\",\"id\":4,\"prefix\":\"chat\"}"))
                .isEqualTo(new Frame.Index(4, "chat"));
        assertThat(decode("{\"type\":\"index\",\"prefix\":\"chat\"}").errors.get(0).code()).isEqualTo(ErrorCode.MISSING_FIELD);
        assertThat(decode("{\"type\":\"index\",\"id\":5,\"prefix\":7}").errors.get(0).code()).isEqualTo(ErrorCode.BAD_FRAME);
    }

    /** A session's positions name their topics: without one it could not be encoded back (found by fuzzing). */
    @Test
    void aSessionPositionWithoutTopicIsMissingField() {
        Collect c = decode("{\"type\":\"session\",\"id\":4,\"since\":{\"offset\":1}}");
        assertThat(c.frames).isEmpty();
        assertThat(c.errors).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MISSING_FIELD);
            assertThat(e.id()).isEqualTo(4);
        });
    }
}
