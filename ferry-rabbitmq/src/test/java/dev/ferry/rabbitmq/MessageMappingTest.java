package dev.ferry.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import dev.ferry.protocol.Payload;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageMappingTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void jsonContentTypeWithValidBodyIsJson() {
        for (String type : new String[] {"application/json", "application/json; charset=utf-8", "text/json",
                "application/vnd.x+json", "APPLICATION/JSON"}) {
            Payload p = MessageMapping.toPayload(type, utf8("{\"a\":[1,2]}"));
            assertThat(p.isBinary()).as(type).isFalse();
            assertThat(p.jsonText()).isEqualTo("{\"a\":[1,2]}");
        }
    }

    @Test
    void everythingElseIsBinary() {
        assertThat(MessageMapping.toPayload(null, utf8("{}")).isBinary()).isTrue();
        assertThat(MessageMapping.toPayload("text/plain", utf8("hi")).isBinary()).isTrue();
        assertThat(MessageMapping.toPayload("application/json", utf8("{oops")).isBinary()).isTrue();
        assertThat(MessageMapping.toPayload("application/json", utf8("1 2")).isBinary()).isTrue();
        assertThat(MessageMapping.toPayload("application/json", new byte[0]).isBinary()).isTrue();
    }

    @Test
    void outboundPropertiesCarryOriginAndPosition() {
        AMQP.BasicProperties p = MessageMapping.properties("node-1", "a.b", "e1", 7, false);
        assertThat(p.getContentType()).isEqualTo("application/json");
        assertThat(p.getMessageId()).isEqualTo("e1-7");
        assertThat(p.getHeaders()).containsEntry("x-ferry-origin", "node-1").containsEntry("x-ferry-offset", 7L);
        assertThat(MessageMapping.fromNode(p, "node-1")).isTrue();
        assertThat(MessageMapping.fromNode(p, "node-2")).isFalse();
        assertThat(MessageMapping.fromNode(new AMQP.BasicProperties.Builder().headers(Map.of()).build(), "node-1")).isFalse();
        assertThat(MessageMapping.properties("n", "t", "e", 1, true).getContentType()).isEqualTo("application/octet-stream");
    }
}
