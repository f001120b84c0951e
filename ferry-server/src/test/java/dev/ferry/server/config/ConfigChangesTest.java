package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which settings reload live and which need a restart, exactly as docs/operations.md ("Reloading the
 * configuration") lists them: a new setting must be put on one side or the other here and there.
 */
class ConfigChangesTest {
    @Test
    void theSettingsThatNeedARestartAreExactlyThoseTheDocsList() {
        List<String> restart = new ArrayList<>(ConfigChanges.settings());
        restart.removeAll(ConfigChanges.LIVE);
        restart.removeAll(ConfigChanges.HISTORY);
        assertThat(restart).containsExactlyInAnyOrder(
                "server.host", "server.port", "server.io-threads", "server.native-transport", "server.shutdown-grace",
                "engine", "publish.dedup-window", "publish.dedup-max-ids",
                "tls.cert", "tls.key", "tls.redirect-http", "tls.reload-interval", "tls.hsts", "tls.client-auth",
                "tls.client-ca",
                "websocket.handshake-timeout", "websocket.ping-interval", "websocket.idle-timeout",
                "websocket.max-subscriptions", "websocket.outbound-queue-bytes", "websocket.fragment-timeout",
                "websocket.deflate",
                "sse.heartbeat-interval", "sse.outbound-queue-bytes", "sse.session-timeout",
                "rpc.default-timeout", "rpc.max-timeout", "rpc.routing",
                "session.ttl", "session.secret", "session.cookie",
                "presence.expiry",
                "log.format");
    }

    @Test
    void everyLiveNameIsASetting() {
        assertThat(ConfigChanges.settings()).containsAll(ConfigChanges.LIVE).containsAll(ConfigChanges.HISTORY);
    }
}
