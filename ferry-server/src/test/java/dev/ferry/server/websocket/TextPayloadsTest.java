package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.JsonText;
import dev.ferry.protocol.Payload;
import org.junit.jupiter.api.Test;

/** The plain sockets' data mapping never carries a lone UTF-16 surrogate into a payload. */
class TextPayloadsTest {
    @Test
    void aJsonValueHoldingAnEscapedLoneSurrogateTravelsAsTheTextItIs() {
        String text = "{\"a\":\"\\ud800\"}";
        Payload p = TextPayloads.fromText(text);
        assertThat(JsonText.unicodeFault(p.bytes(), 0, p.length())).isNull();
        assertThat(p.jsonText()).isEqualTo("\"{\\\"a\\\":\\\"\\\\ud800\\\"}\"");
        assertThat(TextPayloads.toText(p)).isEqualTo(text);
    }

    @Test
    void wellFormedJsonIsStillTakenAsJson() {
        assertThat(TextPayloads.fromText("{\"a\":\"\\ud83d\\ude00\"}").jsonText()).isEqualTo("{\"a\":\"\\ud83d\\ude00\"}");
        assertThat(TextPayloads.fromText("{\"a\":\"\\\\ud800\"}").jsonText()).isEqualTo("{\"a\":\"\\\\ud800\"}");
    }
}
