package dev.ferry.server.wamp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import dev.ferry.server.auth.TestKeys;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.config.WampConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /v1/wamp} against a real server, with the JDK's WebSocket speaking {@code wamp.2.json} by hand (the
 * Autobahn clients are tested by {@code AutobahnIT}), next to ferry.v1 clients on the same topics and procedures.
 */
class WampEndpointTest {
    static final String ISS = "https://id.example";

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withWamp(new WampConfig(List.of(new WampConfig.Realm("app1", "app1"), new WampConfig.Realm("plain", ""), new WampConfig.Realm("meta1", "meta1"),
                    new WampConfig.Realm("meta2", "meta2")))));

    @RegisterExtension
    static final FerryServerExtension guarded = new FerryServerExtension(c -> c.withAuth(new AuthConfig(false, "",
            false, Duration.ZERO, "ferry", List.of("subscribe+publish chat.# authenticated", "call+register math.* claim:roles=calc"),
            List.of(new IssuerConfig("main", ISS, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5), List.of()))))
            .withHttp(new dev.ferry.server.config.HttpConfig(List.of(), 1 << 20, List.of(new dev.ferry.server.config.ApiKeyConfig(
                    "backend", "backend-key-0123456789", List.of("call+register math.*")),
                    new dev.ferry.server.config.ApiKeyConfig("ops", "ops-key-0123456789", List.of("all #", "admin #")),
                    new dev.ferry.server.config.ApiKeyConfig("helper", "helper-key-0123456789", List.of("all #"))))));

    private static URI wampUri(FerryServerExtension s) {
        return URI.create("ws://127.0.0.1:" + s.port() + "/v1/wamp");
    }

    /** A WAMP session joined to {@code realm}; its WELCOME is checked. */
    private static WsTestClient join(String realm) {
        WsTestClient c = WsTestClient.plain(wampUri(server), Map.of(), "wamp.2.json");
        c.send("[1,\"" + realm + "\",{\"roles\":{\"publisher\":{},\"subscriber\":{},\"caller\":{},"
                + "\"callee\":{\"features\":{\"call_canceling\":true,\"progressive_call_results\":true}}}}]");
        JsonNode welcome = msg(c);
        assertThat(welcome.get(0).asInt()).as(welcome.toString()).isEqualTo(2);
        assertThat(welcome.get(1).asLong()).isBetween(1L, 1L << 53);
        assertThat(welcome.get(2).path("realm").asText()).isEqualTo(realm);
        return c;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The next WAMP message of a WAMP client. */
    static JsonNode msg(WsTestClient c) {
        try {
            return JSON.readTree(c.nextText());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static WsTestClient ferry(FerryServerExtension s) {
        return WsTestClient.connect(s.wsUri());
    }

    @Test
    void welcomeAnnouncesTheRouterRolesAndGoodbyeIsAnswered() {
        WsTestClient w = WsTestClient.plain(wampUri(server), Map.of(), "wamp.2.json");
        try (w) {
            w.send("[1,\"app1\",{\"roles\":{\"caller\":{}}}]");
            JsonNode roles = msg(w).get(2).get("roles");
            // exactly the features docs/wamp.md lists as supported
            java.util.List<String> broker = new java.util.ArrayList<>();
            roles.get("broker").get("features").fieldNames().forEachRemaining(broker::add);
            assertThat(broker).containsExactlyInAnyOrder("pattern_based_subscription", "publisher_exclusion",
                    "subscriber_blackwhite_listing", "publisher_identification", "session_meta_api",
                    "subscription_meta_api", "event_history", "subscription_revocation");
            java.util.List<String> dealer = new java.util.ArrayList<>();
            roles.get("dealer").get("features").fieldNames().forEachRemaining(dealer::add);
            assertThat(dealer).containsExactlyInAnyOrder("call_timeout", "call_canceling", "progressive_call_results",
                    "shared_registration", "pattern_based_registration", "caller_identification", "session_meta_api",
                    "registration_meta_api", "registration_revocation");
            roles.get("broker").get("features").forEach(v -> assertThat(v.asBoolean()).isTrue());
            roles.get("dealer").get("features").forEach(v -> assertThat(v.asBoolean()).isTrue());
        }
        try (WsTestClient c = join("app1")) {
            c.send("[6,{},\"wamp.close.close_realm\"]");
            JsonNode bye = msg(c);
            assertThat(bye.get(0).asInt()).isEqualTo(6);
            assertThat(bye.get(2).asText()).isEqualTo("wamp.close.goodbye_and_out");
            assertThat(c.awaitClose().closeCode()).isEqualTo(1000);
        }
    }

    @Test
    void anUnknownRealmIsAborted() {
        try (WsTestClient c = WsTestClient.plain(wampUri(server), Map.of(), "wamp.2.json")) {
            c.send("[1,\"nowhere\",{}]");
            JsonNode abort = msg(c);
            assertThat(abort.get(0).asInt()).isEqualTo(3);
            assertThat(abort.get(2).asText()).isEqualTo("wamp.error.no_such_realm");
            assertThat(c.awaitClose().closeCode()).isEqualTo(1000);
        }
    }

    @Test
    void aHelloOfferingOnlyUnsupportedMethodsIsAbortedEvenWhereAnonymousIsAllowed() {
        try (WsTestClient c = WsTestClient.plain(wampUri(server), Map.of(), "wamp.2.json")) {
            c.send("[1,\"app1\",{\"authmethods\":[\"cryptosign\"]}]");
            JsonNode abort = msg(c);
            assertThat(abort.get(0).asInt()).isEqualTo(3);
            assertThat(abort.get(2).asText()).isEqualTo("wamp.error.no_auth_method");
            assertThat(c.awaitClose().closeCode()).isEqualTo(1000);
        }
        try (WsTestClient c = WsTestClient.plain(wampUri(server), Map.of(), "wamp.2.json")) {
            c.send("[1,\"app1\",{\"authmethods\":[\"cryptosign\",\"anonymous\"]}]");
            JsonNode welcome = msg(c);
            assertThat(welcome.get(0).asInt()).isEqualTo(2);
            assertThat(welcome.get(2).path("authmethod").asText()).isEqualTo("anonymous");
        }
    }

    @Test
    void anUpgradeWithoutAWampSubprotocolIsRefused() {
        WsTestClient.Refusal r = WsTestClient.refused(wampUri(server), Map.of());
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("wamp.2.json");
    }

    @Test
    void aMalformedMessageAbortsWithProtocolViolationAndTheServerGoesOn() {
        try (WsTestClient c = join("app1")) {
            c.send("[32,\"not an id\",{},\"x\"]");
            JsonNode abort = msg(c);
            assertThat(abort.get(0).asInt()).isEqualTo(3);
            assertThat(abort.get(2).asText()).isEqualTo("wamp.error.protocol_violation");
            assertThat(c.awaitClose().closeCode()).isEqualTo(1002);
        }
        try (WsTestClient c = WsTestClient.plain(wampUri(server), Map.of(), "wamp.2.json")) {
            c.send("{\"not\":\"an array\"}");
            assertThat(msg(c).get(2).asText()).isEqualTo("wamp.error.protocol_violation");
        }
        try (WsTestClient c = join("app1")) {
            c.send("[32,1,{},\"still.fine\"]");
            assertThat(msg(c).get(0).asInt()).isEqualTo(33);
        }
    }

    @Test
    void eventsFlowBetweenWampAndFerryV1UnderTheRealmPrefixWithTheDataMapping() {
        try (WsTestClient w = join("app1"); WsTestClient f = ferry(server)) {
            w.send("[32,1,{},\"com.example.chat\"]");
            JsonNode subscribed = msg(w);
            assertThat(subscribed.get(0).asInt()).isEqualTo(33);
            long sub = subscribed.get(2).asLong();
            f.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"app1.com.example.#\"}");
            assertThat(f.nextJson().path("type").asText()).isEqualTo("result");

            f.send("{\"type\":\"pub\",\"topic\":\"app1.com.example.chat\",\"data\":[1,\"two\"]}");
            JsonNode e = msg(w);
            assertThat(e.get(0).asInt()).isEqualTo(36);
            assertThat(e.get(1).asLong()).isEqualTo(sub);
            assertThat(e.get(3).path("topic").asText()).isEqualTo("com.example.chat");
            assertThat(e.get(4).toString()).isEqualTo("[1,\"two\"]");
            f.nextJson(); // its own publication

            f.send("{\"type\":\"pub\",\"topic\":\"app1.com.example.chat\",\"data\":{\"text\":\"hi\"}}");
            e = msg(w);
            assertThat(e.get(4).toString()).isEqualTo("[]");
            assertThat(e.get(5).toString()).isEqualTo("{\"text\":\"hi\"}");
            f.nextJson();

            f.send("{\"type\":\"pub\",\"topic\":\"app1.com.example.chat\",\"data\":\"plain\"}");
            assertThat(msg(w).get(4).toString()).isEqualTo("[\"plain\"]");
            f.nextJson();

            // the other forms: args and kwargs, null, a number, a dict with non-ASCII text and "args" in a value
            f.send("{\"type\":\"pub\",\"topic\":\"app1.com.example.chat\",\"data\":{\"args\":[1],\"kwargs\":{\"k\":2}}}");
            e = msg(w);
            assertThat(e.size()).isEqualTo(6);
            assertThat(e.get(4).toString()).isEqualTo("[1]");
            assertThat(e.get(5).toString()).isEqualTo("{\"k\":2}");
            f.nextJson();
            f.send("{\"type\":\"pub\",\"topic\":\"app1.com.example.chat\",\"data\":null}");
            assertThat(msg(w).size()).as("null: no arguments").isEqualTo(4);
            f.nextJson();
            f.send("{\"type\":\"pub\",\"topic\":\"app1.com.example.chat\",\"data\":12.5}");
            assertThat(msg(w).get(4).toString()).isEqualTo("[12.5]");
            f.nextJson();
            f.send("{\"type\":\"pub\",\"topic\":\"app1.com.example.chat\",\"data\":{\"t\":\"gr\u00fc\u00df \u2603\",\"n\":\"args\"}}");
            e = msg(w);
            assertThat(e.get(4).toString()).isEqualTo("[]");
            assertThat(e.get(5).path("t").asText()).isEqualTo("gr\u00fc\u00df \u2603");
            assertThat(e.get(5).path("n").asText()).isEqualTo("args");
            f.nextJson();

            w.send("[16,7,{\"acknowledge\":true},\"com.example.chat\",[\"from wamp\"]]");
            JsonNode published = msg(w);
            assertThat(published.get(0).asInt()).isEqualTo(17);
            assertThat(published.get(1).asLong()).isEqualTo(7);
            JsonNode msg = f.nextJson();
            assertThat(msg.path("topic").asText()).isEqualTo("app1.com.example.chat");
            assertThat(msg.path("data").asText()).isEqualTo("from wamp");

            w.send("[16,8,{},\"com.example.chat\",[],{\"a\":1}]");
            assertThat(f.nextJson().path("data").toString()).isEqualTo("{\"a\":1}");
            w.send("[16,9,{\"exclude_me\":false},\"com.example.chat\",[1,2]]");
            assertThat(f.nextJson().path("data").toString()).isEqualTo("[1,2]");
            JsonNode own = msg(w); // exclude_me false: the publisher receives its own event
            assertThat(own.get(0).asInt()).isEqualTo(36);
            assertThat(own.get(2).asLong()).isBetween(1L, 1L << 53);
        }
    }

    @Test
    void thePublisherIsExcludedByDefaultAndListsSelectReceivers() throws Exception {
        try (WsTestClient a = join("plain"); WsTestClient b = join("plain"); WsTestClient c = join("plain")) {
            long bId = sessionOf(b);
            for (WsTestClient x : List.of(a, b, c)) {
                x.send("[32,1,{},\"ex.t\"]");
                assertThat(msg(x).get(0).asInt()).isEqualTo(33);
            }
            a.send("[16,1,{\"acknowledge\":true},\"ex.t\",[\"default\"]]");
            assertThat(msg(a).get(0).asInt()).isEqualTo(17);
            assertThat(msg(b).get(4).get(0).asText()).isEqualTo("default");
            assertThat(msg(c).get(4).get(0).asText()).isEqualTo("default");
            a.send("[16,2,{\"exclude\":[" + bId + "],\"disclose_me\":true},\"ex.t\",[\"not b\"]]");
            JsonNode atC = msg(c);
            assertThat(atC.get(4).get(0).asText()).isEqualTo("not b");
            assertThat(atC.get(3).path("publisher").asLong()).isEqualTo(sessionOf(a));
            a.send("[16,3,{\"eligible\":[" + bId + "]},\"ex.t\",[\"only b\"]]");
            assertThat(msg(b).get(4).get(0).asText()).isEqualTo("only b");
            assertThat(a.nothingWithin(Duration.ofMillis(300))).isTrue();
            assertThat(c.nothingWithin(Duration.ofMillis(300))).isTrue();
        }
    }

    /** Each test client's session id, asked through a publication it discloses. */
    private static long sessionOf(WsTestClient c) {
        c.send("[32,99,{},\"whoami.echo\"]");
        long sub = msg(c).get(2).asLong();
        c.send("[16,98,{\"exclude_me\":false,\"disclose_me\":true},\"whoami.echo\"]");
        long id = msg(c).get(3).path("publisher").asLong();
        c.send("[34,97," + sub + "]");
        assertThat(msg(c).get(0).asInt()).isEqualTo(35);
        return id;
    }

    @Test
    void prefixAndWildcardSubscriptionsMapToFerryPatterns() {
        try (WsTestClient w = join("app1"); WsTestClient f = ferry(server)) {
            w.send("[32,1,{\"match\":\"prefix\"},\"pre.a\"]");
            long prefix = msg(w).get(2).asLong();
            w.send("[32,2,{\"match\":\"wildcard\"},\"wild..end\"]");
            long wild = msg(w).get(2).asLong();
            f.send("{\"type\":\"pub\",\"topic\":\"app1.pre.a.b.c\",\"data\":1}");
            JsonNode e = msg(w);
            assertThat(e.get(1).asLong()).isEqualTo(prefix);
            assertThat(e.get(3).path("topic").asText()).isEqualTo("pre.a.b.c");
            f.send("{\"type\":\"pub\",\"topic\":\"app1.wild.x.end\",\"data\":2}");
            e = msg(w);
            assertThat(e.get(1).asLong()).isEqualTo(wild);
            assertThat(e.get(3).path("topic").asText()).isEqualTo("wild.x.end");
            w.send("[32,3,{\"match\":\"fuzzy\"},\"x\"]");
            JsonNode err = msg(w);
            assertThat(err.get(0).asInt()).isEqualTo(8);
            assertThat(err.get(4).asText()).isEqualTo("wamp.error.invalid_argument");
            w.send("[32,4,{},\"bad..uri\"]");
            assertThat(msg(w).get(4).asText()).isEqualTo("wamp.error.invalid_uri");
            w.send("[34,5,424242]");
            JsonNode notSubscribed = msg(w);
            assertThat(notSubscribed.get(4).asText()).isEqualTo("wamp.error.no_such_subscription");
            assertThat(notSubscribed.get(6).path("code").asText()).isEqualTo("not_subscribed");
        }
    }

    @Test
    void callsCrossBetweenWampAndFerryV1BothWays() {
        try (WsTestClient w = join("app1"); WsTestClient f = ferry(server)) {
            // a WAMP callee, a ferry.v1 caller
            w.send("[64,1,{},\"com.example.add\"]");
            JsonNode registered = msg(w);
            assertThat(registered.get(0).asInt()).isEqualTo(65);
            long reg = registered.get(2).asLong();
            f.send("{\"type\":\"call\",\"id\":5,\"proc\":\"app1.com.example.add\",\"args\":[2,3]}");
            JsonNode inv = msg(w);
            assertThat(inv.get(0).asInt()).isEqualTo(68);
            assertThat(inv.get(2).asLong()).isEqualTo(reg);
            assertThat(inv.get(4).toString()).isEqualTo("[2,3]");
            w.send("[70," + inv.get(1).asLong() + ",{},[5]]");
            JsonNode result = f.nextJson();
            assertThat(result.path("type").asText()).isEqualTo("result");
            assertThat(result.path("data").asInt()).isEqualTo(5);

            // the callee's error reaches the ferry.v1 caller with its URI
            f.send("{\"type\":\"call\",\"id\":6,\"proc\":\"app1.com.example.add\",\"args\":[\"x\"]}");
            inv = msg(w);
            w.send("[8,68," + inv.get(1).asLong() + ",{},\"com.example.error.not_a_number\",[\"x is no number\"]]");
            JsonNode err = f.nextJson();
            assertThat(err.path("code").asText()).isEqualTo("callee_error");
            assertThat(err.path("data").path("code").asText()).isEqualTo("com.example.error.not_a_number");

            // a ferry.v1 callee, a WAMP caller
            f.send("{\"type\":\"register\",\"id\":7,\"proc\":\"app1.com.example.mul\"}");
            assertThat(f.nextJson().path("type").asText()).isEqualTo("result");
            w.send("[48,2,{},\"com.example.mul\",[],{\"a\":6,\"b\":7}]");
            JsonNode invoke = f.nextJson();
            assertThat(invoke.path("type").asText()).isEqualTo("invoke");
            assertThat(invoke.path("args").toString()).isEqualTo("{\"a\":6,\"b\":7}");
            f.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":42}");
            JsonNode r = msg(w);
            assertThat(r.get(0).asInt()).isEqualTo(50);
            assertThat(r.get(1).asLong()).isEqualTo(2);
            assertThat(r.get(3).toString()).isEqualTo("[42]");

            f.send("{\"type\":\"register\",\"id\":8,\"proc\":\"app1.com.example.fail\"}");
            f.nextJson();
            w.send("[48,3,{},\"com.example.fail\"]");
            invoke = f.nextJson();
            f.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong()
                    + ",\"error\":{\"code\":\"app.failed\",\"message\":\"nope\",\"data\":{\"why\":\"test\"}}}");
            JsonNode e = msg(w);
            assertThat(e.get(0).asInt()).isEqualTo(8);
            assertThat(e.get(1).asInt()).isEqualTo(48);
            assertThat(e.get(4).asText()).isEqualTo("app.failed");
            assertThat(e.get(6).path("why").asText()).isEqualTo("test");
        }
    }

    @Test
    void registrationErrorsAndTimeouts() {
        try (WsTestClient a = join("app1"); WsTestClient b = join("app1")) {
            a.send("[48,1,{},\"nobody.home\"]");
            assertThat(msg(a).get(4).asText()).isEqualTo("wamp.error.no_such_procedure");
            a.send("[64,2,{},\"only.one\"]");
            long reg = msg(a).get(2).asLong();
            b.send("[64,3,{},\"only.one\"]");
            assertThat(msg(b).get(4).asText()).isEqualTo("wamp.error.procedure_already_exists");
            b.send("[64,4,{\"invoke\":\"fastest\"},\"other.one\"]");
            assertThat(msg(b).get(4).asText()).isEqualTo("wamp.error.invalid_argument");
            b.send("[64,5,{},\"wamp.session.count\"]");
            assertThat(msg(b).get(4).asText()).isEqualTo("wamp.error.invalid_uri");

            b.send("[48,6,{\"timeout\":200},\"only.one\"]");
            assertThat(msg(a).get(0).asInt()).isEqualTo(68); // never answered
            JsonNode timedOut = msg(b);
            assertThat(timedOut.get(4).asText()).isEqualTo("wamp.error.timeout");
            assertThat(timedOut.get(6).path("code").asText()).isEqualTo("call_timeout");
            JsonNode interrupt = msg(a);
            assertThat(interrupt.get(0).asInt()).isEqualTo(69);
            assertThat(interrupt.get(2).path("reason").asText()).isEqualTo("wamp.error.timeout");

            a.send("[66,7," + reg + "]");
            assertThat(msg(a).get(0).asInt()).isEqualTo(67);
            a.send("[66,8," + reg + "]");
            JsonNode notRegistered = msg(a);
            assertThat(notRegistered.get(4).asText()).isEqualTo("wamp.error.no_such_registration");
            assertThat(notRegistered.get(6).path("code").asText()).isEqualTo("not_registered");
            b.send("[64,9,{\"invoke\":\"roundrobin\"},\"only.one\"]");
            assertThat(msg(b).get(0).asInt()).isEqualTo(65);
            a.send("[64,10,{\"invoke\":\"roundrobin\"},\"only.one\"]");
            assertThat(msg(a).get(0).asInt()).isEqualTo(65);
        }
    }

    /**
     * A WAMP session of realm1 on the guarded server, authenticated at the upgrade by {@code bearer}; its session id
     * goes to {@code id[0]}.
     */
    private static WsTestClient joinGuarded(String bearer, long[] id) {
        WsTestClient c = WsTestClient.plain(wampUri(guarded), Map.of("Authorization", "Bearer " + bearer), "wamp.2.json");
        c.send("[1,\"realm1\",{\"roles\":{\"caller\":{},\"subscriber\":{}}}]");
        JsonNode welcome = msg(c);
        assertThat(welcome.get(0).asInt()).as(welcome.toString()).isEqualTo(2);
        id[0] = welcome.get(1).asLong();
        return c;
    }

    @Test
    void sessionsAreKilledByAdminsOnlyWithGoodbyeAndTheCallerIsSpared() throws Exception {
        long[] ops1 = new long[1];
        long[] carol = new long[1];
        long[] unused = new long[1];
        try (WsTestClient ops = joinGuarded("ops-key-0123456789", ops1);
             WsTestClient helper = joinGuarded("helper-key-0123456789", unused);
             WsTestClient carol1 = joinGuarded(token("carol", Map.of()), carol);
             WsTestClient carol2 = joinGuarded(token("carol", Map.of()), unused);
             WsTestClient dave = joinGuarded(token("dave", Map.of()), unused)) {
            long opsId = ops1[0];
            long carol1Id = carol[0];
            assertThat(metaCall(ops, 1, "wamp.session.list", "[]")).hasSize(5);
            assertThat(metaCall(ops, 2, "wamp.session.get", "[" + opsId + "]").get("authid").asText()).isEqualTo("ops");
            // call allowed (all #), admin not: not_authorized, with the action in the keyword arguments
            helper.send("[48,1,{},\"wamp.session.kill_all\",[]]");
            JsonNode refused = msg(helper);
            assertThat(refused.get(4).asText()).isEqualTo("wamp.error.not_authorized");
            assertThat(refused.get(6).path("data").path("action").asText()).isEqualTo("admin");

            ops.send("[48,3,{},\"wamp.session.kill_all\",[],{\"reason\":\"not a uri\"}]");
            assertThat(msg(ops).get(4).asText()).isEqualTo("wamp.error.invalid_argument");
            ops.send("[48,4,{},\"wamp.session.kill\",[" + opsId + "]]");
            assertThat(msg(ops).get(4).asText()).as("the caller's own session").isEqualTo("wamp.error.no_such_session");

            ops.send("[48,5,{},\"wamp.session.kill\",[" + carol1Id + "],{\"reason\":\"app.close.bye\",\"message\":\"go\"}]");
            JsonNode done = msg(ops);
            assertThat(done.get(0).asInt()).as(done.toString()).isEqualTo(50);
            assertThat(done.size()).isEqualTo(3);
            WsTestClient killed = carol1;
            WsTestClient spared = carol2;
            JsonNode bye = msg(killed);
            assertThat(bye.get(0).asInt()).isEqualTo(6);
            assertThat(bye.get(1).path("message").asText()).isEqualTo("go");
            assertThat(bye.get(2).asText()).isEqualTo("app.close.bye");
            killed.send("[6,{},\"wamp.close.goodbye_and_out\"]");
            assertThat(killed.awaitClose().closeCode()).isEqualTo(1000);

            JsonNode byAuthid = metaCall(ops, 6, "wamp.session.kill_by_authid", "[\"carol\"]");
            assertThat(byAuthid).hasSize(1);
            bye = msg(spared);
            assertThat(bye.get(0).asInt()).isEqualTo(6);
            assertThat(bye.get(2).asText()).isEqualTo("wamp.close.killed");
            // no GOODBYE back: the router closes after the grace
            assertThat(spared.awaitClose().closeCode()).isEqualTo(1000);

            assertThat(metaCall(ops, 7, "wamp.session.kill_by_authrole", "[\"user\"]").asInt())
                    .as("helper and dave; ops is spared").isEqualTo(2);
            assertThat(msg(dave).get(2).asText()).isEqualTo("wamp.close.killed");
            assertThat(msg(helper).get(2).asText()).isEqualTo("wamp.close.killed");
            assertThat(metaCall(ops, 8, "wamp.session.kill_all", "[]").asInt()).isZero();
            assertThat(metaCall(ops, 9, "wamp.session.list", "[]").toString()).isEqualTo("[" + opsId + "]");
        }
    }

    // ------------------------------------------------------------ authentication

    private static String token(String sub, Map<String, Object> claims) {
        var b = TestKeys.claims(ISS, sub).expirationTime(Date.from(Instant.now().plusSeconds(300)));
        claims.forEach(b::claim);
        return TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, b.build());
    }

    private static WsTestClient hello(String authmethods) {
        WsTestClient c = WsTestClient.plain(wampUri(guarded), Map.of(), "wamp.2.json");
        c.send("[1,\"realm1\",{\"authmethods\":" + authmethods + ",\"authid\":\"alice\"}]");
        return c;
    }

    @Test
    void aTicketIsAJwtCheckedAsEverywhereAndRulesApply() {
        try (WsTestClient w = hello("[\"ticket\"]")) {
            JsonNode challenge = msg(w);
            assertThat(challenge.get(0).asInt()).isEqualTo(4);
            assertThat(challenge.get(1).asText()).isEqualTo("ticket");
            w.send("[5,\"" + token("alice", Map.of("roles", List.of("calc"))) + "\",{}]");
            JsonNode welcome = msg(w);
            assertThat(welcome.get(0).asInt()).isEqualTo(2);
            assertThat(welcome.get(2).path("authid").asText()).isEqualTo("alice");
            assertThat(welcome.get(2).path("authrole").asText()).isEqualTo("calc");
            assertThat(welcome.get(2).path("authmethod").asText()).isEqualTo("ticket");
            w.send("[32,1,{},\"chat.room\"]");
            assertThat(msg(w).get(0).asInt()).isEqualTo(33);
            w.send("[32,2,{},\"secret.room\"]");
            JsonNode denied = msg(w);
            assertThat(denied.get(4).asText()).isEqualTo("wamp.error.not_authorized");
            assertThat(denied.get(6).path("code").asText()).isEqualTo("forbidden");
            w.send("[64,3,{},\"math.add\"]");
            assertThat(msg(w).get(0).asInt()).isEqualTo(65);
        }
    }

    @Test
    void aBadTicketOrNoneIsRefused() {
        try (WsTestClient w = hello("[\"ticket\"]")) {
            msg(w);
            w.send("[5,\"not-a-token\",{}]");
            JsonNode abort = msg(w);
            assertThat(abort.get(0).asInt()).isEqualTo(3);
            assertThat(abort.get(2).asText()).isEqualTo("wamp.error.authentication_failed");
            assertThat(w.awaitClose().closeCode()).isEqualTo(1000);
        }
        try (WsTestClient w = hello("[\"anonymous\"]")) {
            JsonNode abort = msg(w);
            assertThat(abort.get(0).asInt()).isEqualTo(3);
            assertThat(abort.get(2).asText()).isEqualTo("wamp.error.no_auth_method");
        }
    }

    @Test
    void aTokenOnTheUpgradeAuthenticatesToo() {
        String bearer = "Bearer " + token("bob", Map.of());
        try (WsTestClient w = WsTestClient.plain(wampUri(guarded), Map.of("Authorization", bearer), "wamp.2.json")) {
            w.send("[1,\"realm1\",{}]");
            JsonNode welcome = msg(w);
            assertThat(welcome.get(0).asInt()).isEqualTo(2);
            assertThat(welcome.get(2).path("authid").asText()).isEqualTo("bob");
        }
        WsTestClient.Refusal r = WsTestClient.refused(wampUri(guarded), Map.of("Authorization", "Bearer nope"), "wamp.2.json");
        assertThat(r.status()).isEqualTo(401);
    }

    @Test
    void progressiveResultsAndCancelReachTheCalleeAndTheCaller() {
        try (WsTestClient callee = join("app1"); WsTestClient caller = join("app1"); WsTestClient f = ferry(server)) {
            callee.send("[64,1,{},\"long.task\"]");
            assertThat(msg(callee).get(0).asInt()).isEqualTo(65);
            caller.send("[48,2,{\"receive_progress\":true},\"long.task\",[3]]");
            JsonNode inv = msg(callee);
            assertThat(inv.get(3).path("receive_progress").asBoolean()).isTrue();
            long id = inv.get(1).asLong();
            callee.send("[70," + id + ",{\"progress\":true},[1]]");
            callee.send("[70," + id + ",{\"progress\":true},[2]]");
            callee.send("[70," + id + ",{},[\"done\"]]");
            JsonNode p1 = msg(caller);
            assertThat(p1.get(0).asInt()).isEqualTo(50);
            assertThat(p1.get(2).path("progress").asBoolean()).isTrue();
            assertThat(p1.get(3).toString()).isEqualTo("[1]");
            assertThat(msg(caller).get(3).toString()).isEqualTo("[2]");
            JsonNode last = msg(caller);
            assertThat(last.get(2).path("progress").asBoolean(false)).isFalse();
            assertThat(last.get(3).toString()).isEqualTo("[\"done\"]");

            // a ferry.v1 caller's call, canceled by a WAMP caller's twin: killnowait interrupts the callee at once
            caller.send("[48,3,{},\"long.task\",[4]]");
            inv = msg(callee);
            caller.send("[49,3,{\"mode\":\"killnowait\"}]");
            JsonNode canceled = msg(caller);
            assertThat(canceled.get(0).asInt()).isEqualTo(8);
            assertThat(canceled.get(4).asText()).isEqualTo("wamp.error.canceled");
            JsonNode interrupt = msg(callee);
            assertThat(interrupt.get(0).asInt()).isEqualTo(69);
            assertThat(interrupt.get(1).asLong()).isEqualTo(inv.get(1).asLong());
            assertThat(interrupt.get(2).path("mode").asText()).isEqualTo("killnowait");

            // kill: the caller waits for the callee's answer to the INTERRUPT
            caller.send("[48,4,{},\"long.task\",[5]]");
            inv = msg(callee);
            caller.send("[49,4,{\"mode\":\"kill\"}]");
            interrupt = msg(callee);
            assertThat(interrupt.get(2).path("mode").asText()).isEqualTo("kill");
            callee.send("[8,68," + inv.get(1).asLong() + ",{},\"wamp.error.canceled\"]");
            assertThat(msg(caller).get(4).asText()).isEqualTo("wamp.error.canceled");

            // a ferry.v1 caller takes the WAMP callee's progressive results too
            f.send("{\"type\":\"call\",\"id\":9,\"proc\":\"app1.long.task\",\"args\":[6],\"progress\":true}");
            inv = msg(callee);
            assertThat(inv.get(3).path("receive_progress").asBoolean()).isTrue();
            callee.send("[70," + inv.get(1).asLong() + ",{\"progress\":true},[\"half\"]]");
            callee.send("[70," + inv.get(1).asLong() + ",{},[\"all\"]]");
            JsonNode progress = f.nextJson();
            assertThat(progress.path("data").asText()).as(progress.toString()).isEqualTo("half");
            assertThat(f.nextJson().path("data").asText()).isEqualTo("all");
        }
    }

    @Test
    void sharedRegistrationsFollowTheirInvokePolicy() throws Exception {
        try (WsTestClient a = join("plain"); WsTestClient b = join("plain"); WsTestClient caller = join("plain")) {
            a.send("[64,1,{\"invoke\":\"first\"},\"shared.p\"]");
            assertThat(msg(a).get(0).asInt()).isEqualTo(65);
            b.send("[64,1,{\"invoke\":\"roundrobin\"},\"shared.p\"]");
            assertThat(msg(b).get(4).asText()).isEqualTo("wamp.error.procedure_already_exists");
            b.send("[64,2,{\"invoke\":\"first\"},\"shared.p\"]");
            assertThat(msg(b).get(0).asInt()).isEqualTo(65);
            for (int i = 1; i <= 2; i++) {
                caller.send("[48," + i + ",{},\"shared.p\"]");
                JsonNode inv = msg(a); // first: always the callee that registered first
                a.send("[70," + inv.get(1).asLong() + ",{},[" + i + "]]");
                assertThat(msg(caller).get(3).get(0).asInt()).isEqualTo(i);
            }
            assertThat(b.nothingWithin(Duration.ofMillis(200))).isTrue();
        }
    }

    /** {@code [CALL]} of {@code proc} with {@code args}; the RESULT's first argument (or the ERROR, failing). */
    private static JsonNode metaCall(WsTestClient c, int request, String proc, String args) {
        c.send("[48," + request + ",{},\"" + proc + "\"," + args + "]");
        JsonNode r = msg(c);
        assertThat(r.get(0).asInt()).as(r.toString()).isEqualTo(50);
        assertThat(r.get(1).asInt()).isEqualTo(request);
        return r.get(3).get(0);
    }

    @Test
    void theSessionMetaApiListsTheRealmsSessionsAndAnnouncesJoinsAndLeaves() throws Exception {
        try (WsTestClient watcher = join("meta1")) {
            watcher.send("[32,1,{},\"wamp.session.on_join\"]");
            long onJoin = msg(watcher).get(2).asLong();
            watcher.send("[32,2,{},\"wamp.session.on_leave\"]");
            long onLeave = msg(watcher).get(2).asLong();
            long other;
            try (WsTestClient o = join("meta1"); WsTestClient elsewhere = join("app1")) {
                JsonNode joined = msg(watcher);
                assertThat(joined.get(0).asInt()).isEqualTo(36);
                assertThat(joined.get(1).asLong()).isEqualTo(onJoin);
                JsonNode details = joined.get(4).get(0);
                other = details.get("session").asLong();
                assertThat(details.get("authid").asText()).isEqualTo("anonymous");
                assertThat(details.get("authrole").asText()).isEqualTo("anonymous");
                assertThat(details.path("transport").path("protocol").asText()).isEqualTo("wamp.2.json");

                assertThat(metaCall(watcher, 10, "wamp.session.count", "[]").asInt()).isEqualTo(2);
                assertThat(metaCall(watcher, 11, "wamp.session.count", "[[\"admin\"]]").asInt()).isZero();
                JsonNode list = metaCall(watcher, 12, "wamp.session.list", "[]");
                assertThat(list).hasSize(2);
                assertThat(list.toString()).contains(Long.toString(other));
                JsonNode got = metaCall(watcher, 13, "wamp.session.get", "[" + other + "]");
                assertThat(got.get("session").asLong()).isEqualTo(other);
                assertThat(got.get("authmethod").asText()).isEqualTo("anonymous");
                watcher.send("[48,14,{},\"wamp.session.get\",[424242]]");
                assertThat(msg(watcher).get(4).asText()).isEqualTo("wamp.error.no_such_session");
                watcher.send("[48,15,{},\"wamp.session.kill\",[" + other + "]]"); // admin: never without rules
                assertThat(msg(watcher).get(4).asText()).isEqualTo("wamp.error.not_authorized");
                watcher.send("[48,16,{},\"wamp.session.nothing\",[]]");
                assertThat(msg(watcher).get(4).asText()).isEqualTo("wamp.error.no_such_procedure");
                o.send("[6,{},\"wamp.close.close_realm\"]");
                msg(o);
                JsonNode left = msg(watcher);
                assertThat(left.get(1).asLong()).isEqualTo(onLeave);
                assertThat(left.get(4).toString()).isEqualTo("[" + other + ",\"anonymous\",\"anonymous\"]");
            }
            assertThat(watcher.nothingWithin(Duration.ofMillis(200))).isTrue(); // the app1 session is not this realm's
            assertThat(metaCall(watcher, 20, "wamp.session.count", "[]").asInt()).isEqualTo(1);
        }
    }

    @Test
    void subscriptionAndRegistrationMetaProceduresAndEvents() {
        try (WsTestClient watcher = join("meta2"); WsTestClient a = join("meta2"); WsTestClient b = join("meta2")) {
            watcher.send("[32,1,{},\"wamp.subscription.on_create\"]");
            long onCreate = msg(watcher).get(2).asLong();
            watcher.send("[32,2,{},\"wamp.subscription.on_subscribe\"]");
            msg(watcher);
            watcher.send("[32,3,{},\"wamp.registration.on_register\"]");
            msg(watcher);

            a.send("[32,1,{},\"m.topic\"]");
            long sub = msg(a).get(2).asLong();
            b.send("[32,1,{},\"m.topic\"]");
            assertThat(msg(b).get(2).asLong()).as("one subscription, shared").isEqualTo(sub);
            b.send("[32,2,{\"match\":\"prefix\"},\"m\"]");
            long pre = msg(b).get(2).asLong();
            JsonNode created = msg(watcher);
            assertThat(created.get(1).asLong()).isEqualTo(onCreate);
            assertThat(created.get(4).get(1).get("uri").asText()).isEqualTo("m.topic");
            assertThat(created.get(4).get(1).get("match").asText()).isEqualTo("exact");
            assertThat(msg(watcher).get(4).get(1).asLong()).isEqualTo(sub); // a's on_subscribe
            assertThat(msg(watcher).get(4).get(1).asLong()).isEqualTo(sub); // b's on_subscribe
            assertThat(msg(watcher).get(4).get(1).get("id").asLong()).isEqualTo(pre); // on_create
            assertThat(msg(watcher).get(4).get(1).asLong()).isEqualTo(pre); // on_subscribe

            JsonNode list = metaCall(watcher, 10, "wamp.subscription.list", "[]");
            assertThat(list.get("exact").toString()).isEqualTo("[" + sub + "]");
            assertThat(list.get("prefix").toString()).isEqualTo("[" + pre + "]");
            assertThat(metaCall(watcher, 11, "wamp.subscription.lookup", "[\"m.topic\"]").asLong()).isEqualTo(sub);
            assertThat(metaCall(watcher, 12, "wamp.subscription.lookup", "[\"m\",{\"match\":\"prefix\"}]").asLong()).isEqualTo(pre);
            assertThat(metaCall(watcher, 13, "wamp.subscription.lookup", "[\"nope\"]").isNull()).isTrue();
            assertThat(metaCall(watcher, 14, "wamp.subscription.match", "[\"m.topic\"]").toString())
                    .isEqualTo("[" + sub + "," + pre + "]");
            assertThat(metaCall(watcher, 15, "wamp.subscription.get", "[" + pre + "]").get("match").asText()).isEqualTo("prefix");
            assertThat(metaCall(watcher, 16, "wamp.subscription.count_subscribers", "[" + sub + "]").asInt()).isEqualTo(2);
            assertThat(metaCall(watcher, 17, "wamp.subscription.list_subscribers", "[" + pre + "]")).hasSize(1);

            a.send("[64,2,{\"invoke\":\"roundrobin\"},\"m.proc\"]");
            long reg = msg(a).get(2).asLong();
            b.send("[64,3,{\"invoke\":\"roundrobin\"},\"m.proc\"]");
            assertThat(msg(b).get(2).asLong()).isEqualTo(reg);
            assertThat(msg(watcher).get(4).get(1).asLong()).isEqualTo(reg);
            assertThat(msg(watcher).get(4).get(1).asLong()).isEqualTo(reg);
            assertThat(metaCall(watcher, 20, "wamp.registration.list", "[]").get("exact").toString()).isEqualTo("[" + reg + "]");
            assertThat(metaCall(watcher, 21, "wamp.registration.lookup", "[\"m.proc\"]").asLong()).isEqualTo(reg);
            assertThat(metaCall(watcher, 22, "wamp.registration.match", "[\"m.proc\"]").asLong()).isEqualTo(reg);
            assertThat(metaCall(watcher, 23, "wamp.registration.get", "[" + reg + "]").get("invoke").asText()).isEqualTo("roundrobin");
            assertThat(metaCall(watcher, 24, "wamp.registration.count_callees", "[" + reg + "]").asInt()).isEqualTo(2);
            assertThat(metaCall(watcher, 25, "wamp.registration.list_callees", "[" + reg + "]")).hasSize(2);
            watcher.send("[48,26,{},\"wamp.registration.get\",[424242]]");
            assertThat(msg(watcher).get(4).asText()).isEqualTo("wamp.error.no_such_registration");
        }
    }

    @Test
    void getEventsReadsTheTopicsHistoryAndMetaCallsFollowTheRules() {
        try (WsTestClient w = join("app1"); WsTestClient p = join("app1")) {
            w.send("[32,1,{},\"hist.topic\"]");
            long sub = msg(w).get(2).asLong();
            for (int i = 1; i <= 3; i++) {
                p.send("[16," + i + ",{\"acknowledge\":true},\"hist.topic\",[" + i + "]]");
                assertThat(msg(p).get(0).asInt()).isEqualTo(17);
                assertThat(msg(w).get(0).asInt()).isEqualTo(36);
            }
            JsonNode events = metaCall(w, 10, "wamp.subscription.get_events", "[" + sub + ",2]");
            assertThat(events).hasSize(2);
            assertThat(events.get(0).get("args").toString()).isEqualTo("[2]");
            assertThat(events.get(1).get("args").toString()).isEqualTo("[3]");
            assertThat(events.get(1).get("topic").asText()).isEqualTo("hist.topic");
            assertThat(events.get(1).get("subscription").asLong()).isEqualTo(sub);
            assertThat(metaCall(w, 11, "wamp.subscription.get_events", "[" + sub + "]")).hasSize(3);
            w.send("[32,2,{\"match\":\"prefix\"},\"hist\"]");
            long pre = msg(w).get(2).asLong();
            w.send("[48,12,{},\"wamp.subscription.get_events\",[" + pre + "]]");
            assertThat(msg(w).get(4).asText()).isEqualTo("wamp.error.invalid_argument");
        }
        String token = token("alice", Map.of());
        try (WsTestClient c = WsTestClient.plain(wampUri(guarded), Map.of("Authorization", "Bearer " + token), "wamp.2.json")) {
            c.send("[1,\"realm1\",{\"roles\":{\"caller\":{},\"subscriber\":{}}}]");
            assertThat(msg(c).get(0).asInt()).isEqualTo(2);
            c.send("[48,1,{},\"wamp.session.list\",[]]");
            assertThat(msg(c).get(4).asText()).isEqualTo("wamp.error.not_authorized");
            c.send("[32,2,{},\"wamp.session.on_join\"]");
            assertThat(msg(c).get(4).asText()).isEqualTo("wamp.error.not_authorized");
        }
    }

    @Test
    void patternRegistrationsFollowThePrecedenceAndNameTheProcedureAndCallersMayDiscloseThemselves() {
        try (WsTestClient a = join("app1"); WsTestClient caller = join("app1"); WsTestClient f = ferry(server)) {
            a.send("[64,1,{\"match\":\"wildcard\"},\"pat..op\"]");
            long wild = msg(a).get(2).asLong();
            a.send("[64,2,{\"match\":\"prefix\"},\"pat\"]");
            long shortPrefix = msg(a).get(2).asLong();
            a.send("[64,3,{\"match\":\"prefix\"},\"pat.x\"]");
            long longPrefix = msg(a).get(2).asLong();
            a.send("[64,4,{},\"pat.x.op\"]");
            long exact = msg(a).get(2).asLong();

            caller.send("[48,1,{},\"pat.x.op\",[1]]"); // exact
            JsonNode inv = msg(a);
            assertThat(inv.get(2).asLong()).isEqualTo(exact);
            assertThat(inv.get(3).has("procedure")).isFalse();
            a.send("[70," + inv.get(1).asLong() + ",{}]");
            msg(caller);
            caller.send("[48,2,{},\"pat.x.y.op\",[2]]"); // the longest prefix wins over the wildcard
            inv = msg(a);
            assertThat(inv.get(2).asLong()).isEqualTo(longPrefix);
            assertThat(inv.get(3).path("procedure").asText()).isEqualTo("pat.x.y.op");
            a.send("[70," + inv.get(1).asLong() + ",{}]");
            msg(caller);
            caller.send("[48,3,{},\"pat.q\",[3]]");
            inv = msg(a);
            assertThat(inv.get(2).asLong()).isEqualTo(shortPrefix);
            a.send("[70," + inv.get(1).asLong() + ",{}]");
            msg(caller);
            a.send("[66,5," + shortPrefix + "]");
            msg(a);
            caller.send("[48,4,{\"disclose_me\":true},\"pat.q.op\",[4]]"); // only the wildcard is left for it
            inv = msg(a);
            assertThat(inv.get(2).asLong()).isEqualTo(wild);
            assertThat(inv.get(3).path("procedure").asText()).isEqualTo("pat.q.op");
            assertThat(inv.get(3).path("caller_authid").asText()).isEqualTo("anonymous");
            assertThat(inv.get(3).path("caller").asLong()).isPositive();
            a.send("[70," + inv.get(1).asLong() + ",{},[\"w\"]]");
            assertThat(msg(caller).get(3).get(0).asText()).isEqualTo("w");

            f.send("{\"type\":\"call\",\"id\":9,\"proc\":\"app1.pat.z.op\",\"args\":1}"); // ferry.v1 callers too
            inv = msg(a);
            assertThat(inv.get(3).path("procedure").asText()).isEqualTo("pat.z.op");
            assertThat(inv.get(3).has("caller")).isFalse();
            a.send("[70," + inv.get(1).asLong() + ",{},[5]]");
            assertThat(f.nextJson().path("data").asInt()).isEqualTo(5);

            assertThat(metaCall(caller, 10, "wamp.registration.match", "[\"pat.x.z\"]").asLong()).isEqualTo(longPrefix);
            assertThat(metaCall(caller, 11, "wamp.registration.lookup", "[\"pat.x\",{\"match\":\"prefix\"}]").asLong())
                    .isEqualTo(longPrefix);
            a.send("[64,6,{\"match\":\"prefix\"},\"bad..uri\"]");
            assertThat(msg(a).get(4).asText()).isEqualTo("wamp.error.invalid_uri");
        }
    }

    @Test
    void wampcraSignsTheChallengeWithANamedApiKey() {
        try (WsTestClient c = WsTestClient.plain(wampUri(guarded), Map.of(), "wamp.2.json")) {
            c.send("[1,\"realm1\",{\"authmethods\":[\"wampcra\"],\"authid\":\"backend\",\"roles\":{\"caller\":{}}}]");
            JsonNode challenge = msg(c);
            assertThat(challenge.get(0).asInt()).isEqualTo(4);
            assertThat(challenge.get(1).asText()).isEqualTo("wampcra");
            String text = challenge.get(2).get("challenge").asText();
            c.send("[5,\"" + WampHandler.craSignature("backend-key-0123456789", text) + "\",{}]");
            JsonNode welcome = msg(c);
            assertThat(welcome.get(0).asInt()).as(welcome.toString()).isEqualTo(2);
            assertThat(welcome.get(2).path("authid").asText()).isEqualTo("backend");
            assertThat(welcome.get(2).path("authmethod").asText()).isEqualTo("wampcra");
            c.send("[64,1,{},\"math.sub\"]");
            assertThat(msg(c).get(0).asInt()).as("the key's grants apply").isEqualTo(65);
            c.send("[32,2,{},\"chat.room\"]");
            assertThat(msg(c).get(4).asText()).isEqualTo("wamp.error.not_authorized");
        }
        for (String authid : List.of("backend", "nobody")) {
            try (WsTestClient c = WsTestClient.plain(wampUri(guarded), Map.of(), "wamp.2.json")) {
                c.send("[1,\"realm1\",{\"authmethods\":[\"wampcra\"],\"authid\":\"" + authid + "\"}]");
                String text = msg(c).get(2).get("challenge").asText();
                c.send("[5,\"" + WampHandler.craSignature("not-the-key-0123456789", text) + "\",{}]");
                JsonNode abort = msg(c);
                assertThat(abort.get(0).asInt()).isEqualTo(3);
                assertThat(abort.get(2).asText()).isEqualTo("wamp.error.authentication_failed");
            }
        }
    }
}
