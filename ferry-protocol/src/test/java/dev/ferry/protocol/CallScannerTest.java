package dev.ferry.protocol;

import static dev.ferry.protocol.ScannerInputs.frame;
import static dev.ferry.protocol.ScannerInputs.mutations;
import static dev.ferry.protocol.ScannerInputs.randomJson;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@code call} and {@code reply} scanner against the full parser: whenever the scanner answers, the full parser
 * answers the same frame for the same bytes; when it does not, the full parser decides (so answers and errors are
 * the full parser's by construction). Inputs: the forms clients send, every member and value variant near the
 * scanner's edges, and random mutations of them (bytes deleted, inserted, replaced, frames cut short).
 */
class CallScannerTest {
    private static final String[] TYPES = {"\"call\"", "\"reply\"", "\"Call\"", "\"c\\u0061ll\"", "1", "\"reply \"",
            "\"pub\"", "\"invoke\""};
    private static final String[] IDS = {"1", "42", "9007199254740991", "9007199254740992", "0", "-1", "01", "1.0",
            "1e3", "\"7\"", "null", "12345678901234567890", "99999999999999999", "100000000000000000"};
    private static final String[] PROCS = {"\"bench.echo\"", "\"a\"", "\"\"", "\"caf\u00e9.\u4e2d\"", "\"e\\u0063ho\"",
            "\"x\\\"y\"", "1", "null", "[\"a\"]", "\"\u0001\""};
    private static final String[] TIMEOUTS = {"1", "5000", "0", "-5", "1.5", "2e3", "\"100\"", "null",
            "99999999999999999", "100000000000000000", "9223372036854775808", "007"};
    private static final String[] BOOLS = {"true", "false", "\"true\"", "1", "null", "tru", "truex"};
    private static final String[] VALUES = {"{\"text\":\"hi\"}", "[1,2,3]", "\"s\"", "\"esc \\n \\u00e9 \\ud83d\\ude00 \\/\"",
            "0", "-0", "12.5e-3", "1E400", "-", "1.", ".5", "01", "+1", "1e", "true", "false", "null", "nul",
            "{\"a\":{\"b\":[{},[],\"\",0]}}", "{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }", "{\"a\":1,}", "[1,]", "{\"a\"}",
            "[", "{", "\"open", "\"bad \\x\"", "\"ctrl \u0001\"", "{\"dup\":1,\"dup\":2}", "[[[[[[[[[[1]]]]]]]]]]",
            "123456789012345678901234567890", "\"\\u12\"", "{\"a\":1}x", "1 2", "{\"\":null}", "\"\\ud800\""};
    private static final String[] EXTRA = {"", ",\"foo\":1", ",\"type\":\"call\"", ",\"type\":\"reply\"", ",\"id\":2",
            ",\"proc\":\"p\"", ",\"args\":1", ",\"data\":1", ",\"timeout\":10", ",\"progress\":true",
            ",\"error\":{\"code\":\"x\",\"message\":\"m\"}", ",\"topic\":1", ",\"error\":1"};

    @Test
    void scannedFramesEqualTheFullParsersAndTheCommonFormsAreScanned() {
        List<byte[]> inputs = new ArrayList<>();
        for (String type : TYPES) {
            for (String proc : PROCS) {
                for (String args : VALUES) {
                    inputs.add(frame("\"type\":" + type, "\"id\":5", "\"proc\":" + proc, "\"args\":" + args));
                }
            }
            for (String data : VALUES) {
                inputs.add(frame("\"data\":" + data, "\"id\":5", "\"type\":" + type));
            }
        }
        for (String id : IDS) {
            for (String progress : BOOLS) {
                for (String extra : EXTRA) {
                    inputs.add(frame("\"id\":" + id, "\"type\":\"call\"", "\"progress\":" + progress,
                            "\"proc\":\"p.q\"", "\"args\":{\"v\":1}" + extra));
                    inputs.add(frame("\"data\" : [ 1 ]" + extra, " \"progress\" :" + progress, "\"id\"\t:\r\n" + id,
                            "\"type\":\"reply\" "));
                }
            }
        }
        for (String timeout : TIMEOUTS) {
            for (String extra : EXTRA) {
                inputs.add(frame("\"type\":\"call\"", "\"timeout\":" + timeout, "\"id\":3", "\"proc\":\"p\"" + extra));
                inputs.add(frame("\"type\":\"reply\"", "\"timeout\":" + timeout, "\"id\":3", "\"data\":1" + extra));
            }
        }
        Random random = new Random(25);
        for (int k = 0; k < 3000; k++) { // valid frames: random payloads, member orders and whitespace
            boolean call = random.nextBoolean();
            List<String> members = new ArrayList<>(List.of("\"type\":" + (call ? "\"call\"" : "\"reply\""),
                    "\"id\":" + (1 + random.nextInt(1_000_000))));
            if (call) {
                members.add("\"proc\":\"p." + k + "\"");
                if (random.nextBoolean()) {
                    members.add("\"args\":" + randomJson(random, 0));
                }
                if (random.nextBoolean()) {
                    members.add("\"timeout\":" + (1 + random.nextInt(100_000)));
                }
            } else {
                members.add("\"data\":" + randomJson(random, 0));
            }
            if (random.nextBoolean()) {
                members.add("\"progress\":" + random.nextBoolean());
            }
            Collections.shuffle(members, random);
            String space = List.of("", " ", "\t", " \r\n ").get(random.nextInt(4));
            inputs.add((space + "{" + space + String.join(space + "," + space, members) + space + "}" + space)
                    .getBytes(StandardCharsets.UTF_8));
        }
        inputs.addAll(mutations(inputs, random));

        int calls = 0;
        int replies = 0;
        for (byte[] in : inputs) {
            Frame fast = FrameCodec.scanCall(in, 0, in.length);
            if (fast == null) {
                continue;
            }
            if (fast instanceof Frame.Call) {
                calls++;
            } else {
                replies++;
            }
            String what = new String(in, StandardCharsets.UTF_8);
            Frame full;
            try {
                full = FrameCodec.decodeFull(in, 0, in.length);
            } catch (ProtocolException e) {
                throw new AssertionError("scanned, but the full parser refuses " + what + ": " + e.getMessage(), e);
            }
            assertThat(fast).as(what).isEqualTo(full);
        }
        assertThat(calls).as("calls scanned of %d frames", inputs.size()).isGreaterThan(1500);
        assertThat(replies).as("replies scanned of %d frames", inputs.size()).isGreaterThan(1500);
    }

    @Test
    void theFormsClientsSendAreScanned() {
        assertThat(scan("{\"type\":\"call\",\"id\":7,\"proc\":\"bench.echo\",\"args\":{\"a\":[1,2]}}"))
                .isEqualTo(new Frame.Call(7, "bench.echo", Payload.json("{\"a\":[1,2]}"), 0, false));
        assertThat(scan("{\"type\":\"call\",\"id\":8,\"proc\":\"p\",\"timeout\":2500,\"progress\":true}"))
                .isEqualTo(new Frame.Call(8, "p", Payload.NULL, 2500, true));
        assertThat(scan("{\"type\":\"reply\",\"id\":9,\"data\":\"ok\"}"))
                .isEqualTo(new Frame.Reply(9, Payload.json("\"ok\""), null, false));
        assertThat(scan("{\"type\":\"reply\",\"id\":9,\"progress\":true,\"data\":[1]}"))
                .isEqualTo(new Frame.Reply(9, Payload.json("[1]"), null, true));
    }

    @Test
    void everythingElseIsLeftToTheFullParser() {
        assertThat(scan("{\"type\":\"reply\",\"id\":9,\"error\":{\"code\":\"app.x\",\"message\":\"no\"}}")).isNull();
        assertThat(scan("{\"type\":\"call\",\"proc\":\"p\"}")).as("no id").isNull();
        assertThat(scan("{\"type\":\"call\",\"id\":1}")).as("no proc").isNull();
        assertThat(scan("{\"type\":\"reply\",\"id\":1}")).as("no data").isNull();
        assertThat(scan("{\"type\":\"call\",\"id\":1,\"proc\":\"p\",\"timeout\":0}")).as("bad timeout").isNull();
        assertThat(scan("{\"type\":\"call\",\"id\":1,\"proc\":\"p\",\"meta\":{}}")).as("another member").isNull();
        assertThat(scan("{\"type\":\"pub\",\"topic\":\"t\",\"data\":1}")).isNull();
        // in the message as a whole: the scanner's frames and the full parser's, each in order
        List<Frame> frames = new ArrayList<>();
        byte[] message = ("{\"type\":\"call\",\"id\":1,\"proc\":\"p\",\"args\":1}\n"
                + "{\"type\":\"reply\",\"id\":2,\"error\":{\"code\":\"c\",\"message\":\"m\"}}\n"
                + "{\"type\":\"reply\",\"id\":3,\"data\":null}").getBytes(StandardCharsets.UTF_8);
        FrameCodec.decodeText(message, new FrameCodec.Sink() {
            @Override
            public void frame(Frame frame) {
                frames.add(frame);
            }

            @Override
            public void error(ProtocolException error) {
                throw new AssertionError(error);
            }
        });
        assertThat(frames).containsExactly(new Frame.Call(1, "p", Payload.json("1"), 0, false),
                new Frame.Reply(2, null, new Frame.ErrorBody("c", "m", null)),
                new Frame.Reply(3, Payload.NULL, null, false));
    }

    private static Frame scan(String frame) {
        byte[] b = frame.getBytes(StandardCharsets.UTF_8);
        return FrameCodec.scanCall(b, 0, b.length);
    }
}
