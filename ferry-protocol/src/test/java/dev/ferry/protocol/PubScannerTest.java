package dev.ferry.protocol;

import static dev.ferry.protocol.ScannerInputs.frame;
import static dev.ferry.protocol.ScannerInputs.mutations;
import static dev.ferry.protocol.ScannerInputs.randomJson;
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
        inputs.addAll(mutations(inputs, random));

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
}
