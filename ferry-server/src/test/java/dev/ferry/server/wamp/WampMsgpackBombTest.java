package dev.ferry.server.wamp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * {@code wamp.2.msgpack} messages of a few bytes that declare huge values or nest deep (docs/wamp.md, "Limits"):
 * refused as {@code wamp.error.protocol_violation} without allocating what they declare, and the server goes on.
 */
class WampMsgpackBombTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c);

    private static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());

    /** {@code [16, 1, {}, "t", [<bin of 2 GiB - 1 declared, 8 bytes given>]]}. */
    static byte[] binBomb() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x95, 16, 1, (byte) 0x80, (byte) 0xa1, 't', (byte) 0x91,
            (byte) 0xc6, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        b.writeBytes(new byte[8]);
        return b.toByteArray();
    }

    /** {@code depth} nested one-element arrays around a nil. */
    static byte[] deep(int depth) {
        byte[] b = new byte[depth + 1];
        java.util.Arrays.fill(b, 0, depth, (byte) 0x91);
        b[depth] = (byte) 0xc0;
        return b;
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void declaredLengthsBeyondTheMessageAreRefusedWithoutAllocatingThem() {
        byte[][] bombs = {
            binBomb(),
            // ext32 of 2 GiB - 1
            {(byte) 0x92, 16, (byte) 0xc9, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 0, 0},
            // str32 of 2 GiB - 1
            {(byte) 0x92, 16, (byte) 0xdb, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'a', 'b'},
            // array32 and map32 of 4 Gi - 1 values
            {(byte) 0x92, 16, (byte) 0xdd, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3},
            {(byte) 0x92, 16, (byte) 0xdf, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3},
            deep(100_000),
            {(byte) 0xc1},
        };
        for (byte[] bomb : bombs) {
            long before = allocated();
            assertThatThrownBy(() -> WampCodec.MSGPACK.decode(bomb)).isInstanceOfSatisfying(WampException.class,
                    e -> assertThat(e.uri()).isEqualTo("wamp.error.protocol_violation"));
            assertThat(allocated() - before).as("bytes allocated refusing %d bytes", bomb.length).isLessThan(16 << 20);
        }
    }

    @Test
    void wellFormedMessagesStillDecode() throws Exception {
        byte[] ok = MSGPACK.writeValueAsBytes(java.util.List.of(16, 1, Map.of("acknowledge", true), "a.b",
                java.util.List.of(new byte[300], "x".repeat(70_000), java.util.List.of(1.5, -7, Long.MAX_VALUE)),
                Map.of("k", Map.of("n", java.util.List.of()))));
        WampMessage m = WampCodec.MSGPACK.decode(ok);
        assertThat(m.type()).isEqualTo(16);
        WampCodec.checkMsgpack(deep(WampCodec.MAX_NESTING));
        assertThatThrownBy(() -> WampCodec.checkMsgpack(deep(WampCodec.MAX_NESTING + 1)))
                .isInstanceOf(WampException.class).hasMessageContaining("nest deeper than 256");
    }

    @Test
    void aBombAbortsItsSessionAndOthersCarryOn() {
        URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/v1/wamp");
        byte[] hello = {(byte) 0x93, 1, (byte) 0xa6, 'r', 'e', 'a', 'l', 'm', '1',
            (byte) 0x81, (byte) 0xa5, 'r', 'o', 'l', 'e', 's', (byte) 0x81, (byte) 0xa9,
            'p', 'u', 'b', 'l', 'i', 's', 'h', 'e', 'r', (byte) 0x80};
        for (int round = 0; round < 3; round++) {
            try (WsTestClient c = WsTestClient.plain(uri, Map.of(), "wamp.2.msgpack")) {
                c.sendBinary(hello);
                assertThat(decode(c.next().binary()).get(0).asInt()).isEqualTo(2);
                c.sendBinary(round == 1 ? deep(100_000) : binBomb());
                JsonNode abort = decode(c.next().binary());
                assertThat(abort.get(0).asInt()).isEqualTo(3);
                assertThat(abort.get(2).asText()).isEqualTo("wamp.error.protocol_violation");
                assertThat(c.awaitClose().closeCode()).isEqualTo(1002);
            }
        }
        try (WsTestClient c = WsTestClient.plain(uri, Map.of(), "wamp.2.msgpack")) {
            c.sendBinary(hello);
            assertThat(decode(c.next().binary()).get(0).asInt()).isEqualTo(2);
            c.sendBinary(new byte[] {(byte) 0x95, 16, 7, (byte) 0x81, (byte) 0xab, 'a', 'c', 'k', 'n', 'o', 'w', 'l',
                'e', 'd', 'g', 'e', (byte) 0xc3, (byte) 0xa3, 'a', '.', 'b', (byte) 0x91, 1});
            JsonNode published = decode(c.next().binary());
            assertThat(published.get(0).asInt()).isEqualTo(17);
            assertThat(published.get(1).asInt()).isEqualTo(7);
        }
    }

    private static JsonNode decode(byte[] b) {
        try {
            return MSGPACK.readTree(b);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
