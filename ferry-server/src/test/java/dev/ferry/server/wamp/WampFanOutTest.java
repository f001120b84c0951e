package dev.ferry.server.wamp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.config.WampConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A publication to N WAMP subscribers of one subscription is encoded and framed once per event loop, not once per
 * subscriber, and the exclusion filters stay exact per session.
 */
class WampFanOutTest {
    private static final int SUBSCRIBERS = 8;
    private static final String TOPIC = "fanout.once";

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withWamp(new WampConfig(List.of(new WampConfig.Realm("app1", "app1")))));

    private final AtomicInteger framed = new AtomicInteger();
    private final Set<Thread> loops = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void hook() {
        WampHandler.eventFramed = topic -> {
            if (topic.endsWith(TOPIC)) {
                framed.incrementAndGet();
                loops.add(Thread.currentThread());
            }
        };
    }

    @AfterEach
    void unhook() {
        WampHandler.eventFramed = null;
    }

    private static WsTestClient join() {
        WsTestClient c = WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + "/v1/wamp"), Map.of(),
                "wamp.2.json");
        c.send("[1,\"app1\",{\"roles\":{\"publisher\":{},\"subscriber\":{}}}]");
        assertThat(WampEndpointTest.msg(c).get(0).asInt()).isEqualTo(2);
        return c;
    }

    @Test
    void oneEncodingPerEventLoopForManySubscribersAndExclusionStaysExact() {
        List<WsTestClient> subs = new ArrayList<>();
        try (WsTestClient pub = join()) {
            long subscriptionId = -1;
            List<Long> sessionIds = new ArrayList<>();
            for (int i = 0; i < SUBSCRIBERS; i++) {
                WsTestClient c = WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + "/v1/wamp"),
                        Map.of(), "wamp.2.json");
                subs.add(c);
                c.send("[1,\"app1\",{\"roles\":{\"subscriber\":{}}}]");
                JsonNode welcome = WampEndpointTest.msg(c);
                sessionIds.add(welcome.get(1).asLong());
                c.send("[32," + (i + 1) + ",{},\"" + TOPIC + "\"]");
                JsonNode subscribed = WampEndpointTest.msg(c);
                assertThat(subscribed.get(0).asInt()).isEqualTo(33);
                if (subscriptionId < 0) {
                    subscriptionId = subscribed.get(2).asLong();
                }
                assertThat(subscribed.get(2).asLong()).as("one subscription id per realm and pattern")
                        .isEqualTo(subscriptionId);
            }

            pub.send("[16,1,{\"acknowledge\":true},\"" + TOPIC + "\",[\"all\"],{\"k\":1}]");
            assertThat(WampEndpointTest.msg(pub).get(0).asInt()).isEqualTo(17);
            for (WsTestClient c : subs) {
                JsonNode event = WampEndpointTest.msg(c);
                assertThat(event.get(0).asInt()).isEqualTo(36);
                assertThat(event.get(1).asLong()).isEqualTo(subscriptionId);
                assertThat(event.get(3).path("topic").asText()).isEqualTo(TOPIC);
                assertThat(event.get(4).get(0).asText()).isEqualTo("all");
                assertThat(event.get(5).path("k").asInt()).isEqualTo(1);
            }
            // every subscriber had the EVENT: the hook ran on each loop before its sessions were written to
            assertThat(framed.get()).as("encodings, one per event loop holding subscribers")
                    .isEqualTo(loops.size())
                    .isLessThanOrEqualTo(SUBSCRIBERS);

            // exclude and eligible: the shared frame goes to exactly the sessions the publication names
            pub.send("[16,2,{\"acknowledge\":true,\"exclude\":[" + sessionIds.get(0) + "]},\"" + TOPIC
                    + "\",[\"not first\"]]");
            assertThat(WampEndpointTest.msg(pub).get(0).asInt()).isEqualTo(17);
            pub.send("[16,3,{\"acknowledge\":true,\"eligible\":[" + sessionIds.get(1) + "]},\"" + TOPIC
                    + "\",[\"only second\"]]");
            assertThat(WampEndpointTest.msg(pub).get(0).asInt()).isEqualTo(17);
            pub.send("[16,4,{\"acknowledge\":true},\"" + TOPIC + "\",[\"last\"]]");
            assertThat(WampEndpointTest.msg(pub).get(0).asInt()).isEqualTo(17);
            for (int i = 0; i < SUBSCRIBERS; i++) {
                List<String> got = new ArrayList<>();
                JsonNode e;
                do {
                    e = WampEndpointTest.msg(subs.get(i));
                    got.add(e.get(4).get(0).asText());
                } while (!got.get(got.size() - 1).equals("last"));
                if (i == 0) {
                    assertThat(got).containsExactly("last");
                } else if (i == 1) {
                    assertThat(got).containsExactly("not first", "only second", "last");
                } else {
                    assertThat(got).containsExactly("not first", "last");
                }
            }
        } finally {
            subs.forEach(WsTestClient::close);
        }
    }
}
