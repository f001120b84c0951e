package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PubSubTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    @Test
    void wildcardSubscriberReceivesPublication() {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri());
             WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.*\"}");
            assertThat(sub.nextJson().toString()).isEqualTo("{\"type\":\"result\",\"id\":1,\"data\":{\"topic\":\"chat.*\"}}");
            pub.send("{\"type\":\"pub\",\"id\":5,\"ack\":true,\"topic\":\"chat.room1\",\"data\":{\"text\":\"hi\"}}");
            JsonNode ack = pub.nextJson();
            JsonNode msg = sub.nextJson();
            assertThat(msg.toString()).matches("\\{\"type\":\"msg\",\"topic\":\"chat.room1\",\"offset\":1,\"epoch\":\"[0-9a-f]+\",\"data\":\\{\"text\":\"hi\"}}");
            assertThat(ack.toString()).isEqualTo("{\"type\":\"result\",\"id\":5,\"data\":{\"topic\":\"chat.room1\",\"epoch\":\""
                    + msg.path("epoch").asText() + "\",\"offset\":1}}");
        }
    }

    @Test
    void binaryPublicationArrivesAsBinary() {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri());
             WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"files.#\"}");
            sub.nextJson();
            byte[] header = "{\"type\":\"pub\",\"topic\":\"files.a.b\"}\n".getBytes(StandardCharsets.UTF_8);
            byte[] blob = {0, 1, 2, (byte) 0xff, '\n'};
            byte[] message = new byte[header.length + blob.length];
            System.arraycopy(header, 0, message, 0, header.length);
            System.arraycopy(blob, 0, message, header.length, blob.length);
            pub.sendBinary(message);
            WsTestClient.Received r = sub.next();
            assertThat(r.binary()).isNotNull();
            String text = new String(r.binary(), StandardCharsets.ISO_8859_1);
            assertThat(text).matches("(?s)\\{\"type\":\"msg\",\"topic\":\"files.a.b\",\"offset\":1,\"epoch\":\"[0-9a-f]+\"}\n.*");
            assertThat(text.substring(text.indexOf('\n') + 1).getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(blob);
        }
    }
}
