package dev.ferry.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.testing.WsTestClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The refresh hook (docs/hooks.md, "refresh") against the example backend giving identities of 2 seconds: a
 * connection whose user is still logged in is extended past its first expiry; once the user logs out, the next
 * refresh is refused and the connection closes with 4005.
 */
class RefreshHookTest {
    @Test
    void anIdentityIsExtendedWhileItsSessionLastsThenClosed() throws Exception {
        try (ExampleBackend backend = ExampleBackend.start(2)) {
            FerryServer s = FerryServer.builder().config(new ConfigLoader()
                    .set("hooks.connect.url", backend.url("/ferry/connect"))
                    .set("hooks.refresh.url", backend.url("/ferry/refresh"))
                    .load()).host("127.0.0.1").port(0).build();
            try (s) {
                s.start();
                String cookie = backend.login("gina");
                try (WsTestClient gina = WsTestClient.connect(s.webSocketUri(), Map.of("Cookie", cookie))) {
                    assertThat(gina.nextJson().path("type").asText()).isEqualTo("server_sub");
                    // Past the first expiry (2 s, at a second's resolution): refreshed, still open and served.
                    assertThat(gina.nothingWithin(Duration.ofMillis(3500))).isTrue();
                    gina.send("{\"type\":\"ping\",\"id\":1}");
                    assertThat(gina.nextJson().path("type").asText()).isEqualTo("pong");
                    backend.logout(cookie);
                    WsTestClient.Received closed = gina.awaitClose();
                    assertThat(closed.closeCode()).isEqualTo(CloseCodes.TOKEN_EXPIRED);
                }
            }
        }
    }
}
