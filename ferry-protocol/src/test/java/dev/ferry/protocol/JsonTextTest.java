package dev.ferry.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Frames that are not well-formed Unicode are refused at decode, whatever member holds the fault. */
class JsonTextTest {

    private static FrameCodecTest.Collect decode(byte[] text) {
        FrameCodecTest.Collect c = new FrameCodecTest.Collect();
        FrameCodec.decodeText(text, c);
        return c;
    }

    private static FrameCodecTest.Collect decode(String text) {
        return decode(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Every place a string may sit in a frame: each holds an escaped lone surrogate (written \\ud800 in JSON). */
    @ParameterizedTest
    @ValueSource(strings = {
            "{'type':'pub','id':4,'topic':'a.b','data':1,'tags':{'k':'x\\ud800'}}",
            "{'type':'pub','id':4,'topic':'a.b','data':1,'tags':{'k':'\\udc00x'}}",
            "{'type':'pub','id':4,'topic':'a.\\ud800','data':1}",
            "{'type':'pub','id':4,'topic':'a.b','data':'\\ud800'}",
            "{'type':'pub','id':4,'topic':'a.b','data':{'\\ud800':1}}",
            "{'type':'reply','id':4,'error':{'code':'e','message':'boom \\ud800'}}",
            "{'type':'reply','id':4,'error':{'code':'\\ud800','message':'m'}}",
            "{'type':'reply','id':4,'data':['\\ud83d']}",
            "{'type':'call','id':4,'proc':'p\\ud800'}",
            "{'type':'register','id':4,'proc':'p.\\udfff'}",
            "{'type':'sub','id':4,'topic':'a.b','filter':'x == \\'\\ud800\\''}",
            "{'type':'sub','id':4,'topic':'a.*','since':[{'topic':'a.\\ud800','offset':1,'epoch':'e'}]}",
            "{'type':'sub','id':4,'topic':'a.b','since':{'offset':1,'epoch':'\\ud800'}}",
            "{'type':'session','id':4,'token':'\\ud800'}",
            "{'type':'state_update','id':4,'topic':'s.a','merge':{'a':'\\ud800'}}",
            "{'type':'state_update','id':4,'topic':'s.a','patch':[{'op':'add','path':'/\\ud800','value':1}]}",
            "{'type':'index','id':4,'prefix':'\\ud800'}",
            "{'type':'pub','id':4,'topic':'a.b','data':1,'\\ud800':1}",
            "{'type':'pub','id':4,'topic':'a.b','data':1,'extra':'\\ud800\\ud800'}",
            "{'type':'pub','id':4,'topic':'a.b','data':'\\ud800\\u0041'}",
    })
    void aLoneSurrogateAnywhereIsABadFrameTiedToItsCommand(String frame) {
        FrameCodecTest.Collect c = decode(frame.replace('\'', '"'));
        assertThat(c.frames).isEmpty();
        assertThat(c.errors).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME);
            assertThat(e.id()).isEqualTo(4);
            assertThat(e.getMessage()).contains("lone UTF-16 surrogate");
            assertThat(e.type()).isNotNull();
            // the refusal itself must be sendable
            FrameCodec.encode(new Frame.Error(e.id(), e.code().wire(), e.getMessage(), null));
        });
    }

    @Test
    void anUnknownTypeHoldingALoneSurrogateIsRefusedWithoutEchoingIt() {
        FrameCodecTest.Collect c = decode("{\"type\":\"x\\ud800\",\"id\":9}");
        assertThat(c.errors).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME);
            assertThat(e.id()).isEqualTo(9);
            assertThat(e.type()).isNull();
        });
        String sent = new String(FrameCodec.encode(new Frame.Error(9, "bad_frame", c.errors.get(0).getMessage(), null)),
                StandardCharsets.UTF_8);
        assertThat(JsonText.unicodeFault(sent)).isNull();
    }

    @Test
    void surrogatePairsEscapedOrRawAndEscapedBackslashesAreAccepted() {
        FrameCodecTest.Collect c = decode("{\"type\":\"pub\",\"topic\":\"a.b\",\"data\":\"\\ud83d\\ude00 😀 \\\\ud800\","
                + "\"tags\":{\"k\":\"\\uD83D\\uDE00\",\"j\":\"\\\\udc00\"}}");
        assertThat(c.errors).isEmpty();
        Frame.Pub pub = (Frame.Pub) c.frames.get(0);
        assertThat(pub.tags()).containsEntry("k", "😀").containsEntry("j", "\\udc00");
        FrameCodec.encode(pub);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "ed a0 80", // U+D800 encoded as UTF-8 (CESU-8)
            "ed bf bf", // U+DFFF
            "c0 af", // overlong '/'
            "e0 80 af", // overlong '/'
            "f4 90 80 80", // above U+10FFFF
            "80", // a continuation byte alone
            "e2 82", // truncated
            "ff",
    })
    void illFormedUtf8IsABadFrame(String hex) {
        byte[] bad = java.util.HexFormat.ofDelimiter(" ").parseHex(hex);
        byte[] head = "{\"type\":\"pub\",\"id\":5,\"topic\":\"a.b\",\"data\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, frame, 0, head.length);
        System.arraycopy(bad, 0, frame, head.length, bad.length);
        System.arraycopy(tail, 0, frame, head.length + bad.length, tail.length);
        FrameCodecTest.Collect c = decode(frame);
        assertThat(c.errors).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME);
            assertThat(e.id()).isEqualTo(5);
            assertThat(e.getMessage()).contains("ill-formed UTF-8");
        });
    }

    @Test
    void aBinaryHeaderIsCheckedButItsPayloadIsOpaque() throws Exception {
        byte[] ok = "{\"type\":\"pub\",\"topic\":\"a.b\"}\n\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(((Frame.Pub) FrameCodec.decodeBinary(ok)).data().bytes()).containsExactly((byte) 0xFF);
        byte[] bad = "{\"type\":\"pub\",\"id\":2,\"topic\":\"a.\\udc00\"}\nx".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> FrameCodec.decodeBinary(bad)).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME));
    }

    @Test
    void aStringFrameHoldingALoneSurrogateIsRefusedNotAltered() {
        assertThatThrownBy(() -> FrameCodec.decodeText("{\"type\":\"ping\",\"id\":1,\"x\":\"\ud800\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_FRAME));
    }

    @Test
    void theEncoderFailsTheFrameRatherThanSendingItAltered() {
        assertThatThrownBy(() -> FrameCodec.encode(new Frame.Error(1, "bad_frame", "x\ud800", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lone UTF-16 surrogate");
        assertThatThrownBy(() -> FrameCodec.encode(new Frame.Pub(1, "a.b", Payload.NULL, false,
                java.util.Map.of("k", "\udc00")))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRefusedReplyKeepsItsTypeForTheCallItAnswers() {
        FrameCodecTest.Collect c = decode("{\"type\":\"reply\",\"id\":41,\"data\":1,\"error\":7}");
        assertThat(c.errors).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo("reply");
            assertThat(e.id()).isEqualTo(41);
        });
    }

    /**
     * The scan passes over plain ASCII eight bytes at a time: a fault or an escape at any offset of a long text, and
     * so at every position within and across those eight-byte steps, is found just as the byte-wise scan finds it.
     */
    @Test
    void faultsAndEscapesAreFoundAtEveryOffsetOfALongText() {
        String[] faults = {"\\ud800", "\\udc00", "\\ud800\\u0041"};
        byte[][] badBytes = {{(byte) 0xFF}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}};
        String[] fine = {"\\ud83d\\ude00", "\\\\ud800", "\\n", "\u00e9", "\ud83d\ude00"};
        for (int at = 0; at <= 40; at++) {
            String before = "a".repeat(at);
            String after = "b".repeat(41 - at);
            for (String fault : faults) {
                assertThat(JsonText.unicodeFault(ascii(before + fault + after), 0, before.length() + fault.length() + after.length()))
                        .as("%s at %d", fault, at).isNotNull();
            }
            for (byte[] bad : badBytes) {
                byte[] text = concat(ascii(before), bad, ascii(after));
                assertThat(JsonText.unicodeFault(text, 0, text.length)).as("bytes at %d", at).isNotNull();
                assertThat(JsonText.utf8Fault(text, 0, text.length)).as("bytes at %d", at).isNotNull();
            }
            for (String ok : fine) {
                byte[] text = (before + ok + after).getBytes(StandardCharsets.UTF_8);
                assertThat(JsonText.unicodeFault(text, 0, text.length)).as("%s at %d", ok, at).isNull();
            }
        }
        byte[] framed = ascii("xxxxxxxx\\ud800yyyyyyyy");
        assertThat(JsonText.unicodeFault(framed, 8, 6)).as("only the slice is read").isNotNull();
        assertThat(JsonText.unicodeFault(framed, 0, 8)).isNull();
        assertThat(JsonText.unicodeFault(framed, 14, 8)).isNull();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
