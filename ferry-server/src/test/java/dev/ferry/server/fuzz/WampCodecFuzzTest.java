package dev.ferry.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocol.Payload;
import dev.ferry.server.wamp.WampCodec;
import dev.ferry.server.wamp.WampException;
import dev.ferry.server.wamp.WampMessage;
import dev.ferry.server.wamp.WampPayloads;

/**
 * The WAMP decoder (docs/wamp.md): on any bytes, in either serialization, it gives a message or a
 * {@code wamp.error.protocol_violation}, nothing else; a message's arguments map to ferry.v1 data and back without
 * throwing. Regression mode runs the inputs under src/test/resources; {@code JAZZER_FUZZ=1} fuzzes.
 */
class WampCodecFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void decode(FuzzedDataProvider data) {
        WampCodec codec = data.consumeBoolean() ? WampCodec.MSGPACK : WampCodec.JSON;
        byte[] bytes = data.consumeRemainingAsBytes();
        WampMessage m;
        try {
            m = codec.decode(bytes);
        } catch (WampException e) {
            assertThat(e.uri()).isEqualTo("wamp.error.protocol_violation");
            return;
        }
        assertThat(m.size()).isPositive();
        JsonNode args = m.field(m.size() - 2);
        JsonNode kwargs = m.field(m.size() - 1);
        Payload p = WampPayloads.fromWamp(args != null && args.isArray() ? (ArrayNode) args : null,
                kwargs != null && kwargs.isObject() ? (ObjectNode) kwargs : null, codec.binary());
        WampPayloads.toWamp(p, codec.binary());
    }
}
