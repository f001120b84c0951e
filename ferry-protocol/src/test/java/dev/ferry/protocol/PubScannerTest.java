package dev.ferry.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@code pub} scanner against the full parser: whenever the scanner answers, the full parser answers the same
 * frame for the same bytes; when it does not, the full parser decides (so answers and errors are the full
 * parser's by construction). Inputs: the forms clients send, every member and value variant near the scanner's
 * edges, and random mutations of them (bytes deleted, inserted, replaced, frames cut short).
 */
class PubScannerTest {
    private static final String[] TOPICS = {"\"chat.room1\"", "\"a\"", "\"\"", "\"caf\u00e9.\u4e2d\"", "\"t\\u0061\"",
            "\"x\\\"y\"", "1", "null", "[\"a\"]", "\"\u0001\""};
    private static final String[] IDS = {"1", "42", "9007199254740991", "9007199254740992", "0", "-1", "01", "1.0",
            "1e3", "\"7\"", "null", "12345678901234567890", "99999999999999999"};
    private static final String[] ACKS = {"true", "false", "\"true\"", "1", "null", "tru", "truex"};
    private static final String[] DATA = {"{\"text\":\"hi\"}", "[1,2,3]", "\"s\"", "\"esc \\n \\u00e9 \\ud83d\\ude00 \\/\"",
            "0", "-0", "12.5e-3", "1E400", "-", "1.", ".5", "01", "+1", "1e", "true", "false", "null", "nul",
            "{\"a\":{\"b\":[{},[],\"\",0]}}", "{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }", "{\"a\":1,}", "[1,]", "{\"a\"}",
            "[", "{", "\"open", "\"bad \\x\"", "\"ctrl \u0001\"", "{\"dup\":1,\"dup\":2}", "[[[[[[[[[[1]]]]]]]]]]",
            "123456789012345678901234567890", "\"\\u12\"", "{\"a\":1}x", "1 2", "{\"\":null}", "\"\\ud800\""};
    private static final String[] EXTRA = {"", ",\"tags\":{\"k\":\"v\"}", ",\"pub_id\":\"p-1\"", ",\"foo\":1",
            ",\"type\":\"pub\"", ",\"data\":1", ",\"topic\":\"b\"", ",\"id\":2", ",\"ack\":true"};
    private static final String[] TYPES = {"\"pub\"", "\"sub\"", "\"Pub\"", "\"p\\u0075b\"", "1", "\"pub \""};

    @Test
    void scannedFramesEqualTheFullParsersAndTheCommonFormIsScanned() {
        List<byte[]> inputs = new ArrayList<>();
        for (String type : TYPES) {
            for (String topic : TOPICS) {
                for (String data : DATA) {
                    inputs.add(frame("\"type\":" + type, "\"topic\":" + topic, "\"data\":" + data));
                }
            }
        }
        for (String id : IDS) {
            for (String ack : ACKS) {
                for (String extra : EXTRA) {
                    inputs.add(frame("\"id\":" + id, "\"type\":\"pub\"", "\"ack\":" + ack, "\"topic\":\"t.x\"",
                            "\"data\":{\"v\":1}" + extra));
                    inputs.add(frame("\"data\" : [ 1 ]" + extra, " \"ack\" :" + ack, "\"topic\":\"t\"", "\"id\"\t:\r\n" + id,
                            "\"type\":\"pub\" "));
                }
            }
        }
        Random random = new Random(25);
        for (int k = 0; k < 3000; k++) { // valid frames: random payloads, member orders and whitespace
            List<String> members = new ArrayList<>(List.of("\"type\":\"pub\"", "\"topic\":\"t." + k + "\"",
                    "\"data\":" + randomJson(random, 0)));
            if (random.nextBoolean()) {
                members.add("\"id\":" + (1 + random.nextInt(1_000_000)));
            }
            if (random.nextBoolean()) {
                members.add("\"ack\":" + random.nextBoolean());
            }
            java.util.Collections.shuffle(members, random);
            String space = List.of("", " ", "\t", " \r\n ").get(random.nextInt(4));
            inputs.add((space + "{" + space + String.join(space + "," + space, members) + space + "}" + space)
                    .getBytes(StandardCharsets.UTF_8));
        }
        List<byte[]> mutated = new ArrayList<>();
        byte[] significant = "{}[]\",:\\ 0123456789.eE+-tfnu\t\r\n\u00e9".getBytes(StandardCharsets.UTF_8);
        for (byte[] base : new ArrayList<>(inputs)) {
            for (int k = 0; k < 6; k++) {
                byte[] b = base.clone();
                int at = random.nextInt(b.length);
                switch (random.nextInt(4)) {
                    case 0 -> b = cut(b, at, at + 1);
                    case 1 -> b = insert(b, at, significant[random.nextInt(significant.length)]);
                    case 2 -> b[at] = significant[random.nextInt(significant.length)];
                    default -> b = java.util.Arrays.copyOf(b, at);
                }
                mutated.add(b);
            }
        }
        inputs.addAll(mutated);

        int scanned = 0;
        for (byte[] in : inputs) {
            Frame fast = FrameCodec.scanPub(in, 0, in.length);
            if (fast == null) {
                continue;
            }
            scanned++;
            String what = new String(in, StandardCharsets.UTF_8);
            Frame full;
            try {
                full = FrameCodec.decodeFull(in, 0, in.length);
            } catch (ProtocolException e) {
                throw new AssertionError("scanned, but the full parser refuses " + what + ": " + e.getMessage(), e);
            }
            assertThat(fast).as(what).isEqualTo(full);
        }
        assertThat(scanned).as("frames scanned of %d", inputs.size()).isGreaterThan(3000);

        byte[] common = "{\"type\":\"pub\",\"id\":7,\"ack\":true,\"topic\":\"chat.room1\",\"data\":{\"text\":\"hi\"}}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(FrameCodec.scanPub(common, 0, common.length))
                .isEqualTo(new Frame.Pub(7, "chat.room1", Payload.json("{\"text\":\"hi\"}"), true));
    }

    /** A random valid JSON value. */
    private static String randomJson(Random r, int depth) {
        int kind = depth > 3 ? r.nextInt(5) : r.nextInt(7);
        return switch (kind) {
            case 0 -> List.of("true", "false", "null").get(r.nextInt(3));
            case 1 -> List.of("0", "-0", "17", "-3.25", "6.02e23", "1E-7", "123456789012345678901234").get(r.nextInt(7));
            case 2 -> List.of("\"\"", "\"plain\"", "\"q\\\"uote\"", "\"\\u00e9\\n\"", "\"caf\u00e9\"").get(r.nextInt(5));
            case 3, 4 -> "\"s" + r.nextInt(100) + "\"";
            case 5 -> {
                StringBuilder b = new StringBuilder("[");
                for (int i = r.nextInt(4); i > 0; i--) {
                    b.append(randomJson(r, depth + 1)).append(i > 1 ? "," : "");
                }
                yield b.append(']').toString();
            }
            default -> {
                StringBuilder b = new StringBuilder("{");
                for (int i = r.nextInt(4); i > 0; i--) {
                    b.append("\"k").append(i).append("\" : ").append(randomJson(r, depth + 1)).append(i > 1 ? " , " : "");
                }
                yield b.append('}').toString();
            }
        };
    }

    private static byte[] frame(String... members) {
        return ("{" + String.join(",", members) + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] cut(byte[] b, int from, int to) {
        byte[] r = new byte[b.length - (to - from)];
        System.arraycopy(b, 0, r, 0, from);
        System.arraycopy(b, to, r, from, b.length - to);
        return r;
    }

    private static byte[] insert(byte[] b, int at, byte v) {
        byte[] r = new byte[b.length + 1];
        System.arraycopy(b, 0, r, 0, at);
        r[at] = v;
        System.arraycopy(b, at, r, at + 1, b.length - at);
        return r;
    }
}
