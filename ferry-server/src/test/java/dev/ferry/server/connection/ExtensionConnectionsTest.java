package dev.ferry.server.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.server.auth.Security;
import dev.ferry.server.auth.SecurityCounters;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.events.EventClasses;
import dev.ferry.server.extension.ExtensionConnection;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.time.ServerClock;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An extension's connection is a connection core like a client's, without sockets: listed with the open
 * connections, admitted by the same grammar, with every grant of its API key identity whatever the clients' rules,
 * and without the clients' publish rate.
 */
class ExtensionConnectionsTest {
    private final Hub hub = new Hub();
    private final Connections open = new Connections(ServerClock.system());
    private final ConnectionFactory factory = new ConnectionFactory(hub, new LimitsConfig(1, 1, 1, 1, 10, 0), 1,
            new SecurityCounters(), ServerClock.system(), EventClasses.NONE, open);
    private final Security security = new Security(
            FerryConfig.DEFAULT.withAuth(new AuthConfig(true, "", true, Duration.ofSeconds(30), "ferry",
                    List.of("subscribe public.# everyone"), List.of())));
    private final ExtensionConnections connections = new ExtensionConnections(factory, security);

    @Test
    void anExtensionSubscribesAndPublishesThroughTheConnectionCore() {
        List<Frame.Msg> received = new ArrayList<>();
        ExtensionConnection link = connections.open("bridge", ImmediateEventExecutor.INSTANCE, d -> received.add(d.msg()));
        assertThat(open.size()).as("listed with the open connections").isEqualTo(1);

        assertThat(link.subscribe("orders.#")).as("clients' rules do not bind the extension").isNull();
        assertThat(link.subscribe("more.#")).as("no subscription limit").isNull();
        assertThat(link.subscribe("a..b")).startsWith("bad_topic: ");

        List<Object> outcomes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            assertThat(link.publish("orders.new", Payload.json("{\"n\":" + i + "}"), Map.of("k", "v"),
                    (offset, failure) -> outcomes.add(failure == null ? offset : failure)))
                    .as("no publish rate").isNull();
        }
        assertThat(outcomes).containsExactly(1L, 2L, 3L);
        assertThat(received).extracting(Frame.Msg::offset).containsExactly(1L, 2L, 3L);
        assertThat(link.publish("orders.*", Payload.NULL, Map.of(), (o, f) -> outcomes.add(f))).startsWith("bad_topic: ");
        assertThat(outcomes).hasSize(3);

        ConnectionInfo info = open.list(new Connections.Query(null, null, null, null, null, 10)).join().items().get(0);
        assertThat(info.transport()).isEqualTo("extension");
        assertThat(info.subscriptions()).containsExactly("orders.#", "more.#");

        Connection core = open.list(new Connections.Query(null, null, null, null, null, 10)).join().items().stream()
                .map(i -> open.get(i.id())).findFirst().orElseThrow();
        assertThat(link.isSubscriber(core)).isTrue();

        core.permissionsChanged(security.permissions().scope(dev.ferry.server.auth.Identity.apiKey(
                "bridge", dev.ferry.server.auth.Grants.of(List.of()))));
        assertThat(core.subscriptions()).as("a reload leaves the extension its grants").containsExactly("orders.#", "more.#");
        assertThat(link.publish("orders.new", Payload.NULL, Map.of(), (o, f) -> outcomes.add(o))).isNull();

        link.close();
        security.close();
        assertThat(open.size()).isZero();
        assertThat(hub.subscriptions()).isZero();
    }
}
