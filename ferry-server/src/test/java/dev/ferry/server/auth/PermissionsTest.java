package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.HttpConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PermissionsTest {
    static Identity token(String sub, Map<String, Object> claims, Grants grants) {
        Map<String, Object> all = new java.util.HashMap<>(claims);
        all.put("sub", sub);
        return new Identity(Identity.Kind.TOKEN, sub, "iss", all, Instant.now().plusSeconds(60), grants);
    }

    static final Permissions RULES = Permissions.parse(List.of(
            "subscribe+history chat.# authenticated",
            "subscribe public.# everyone",
            "publish chat.*.messages authenticated",
            "all user.{sub}.# authenticated",
            "all admin.# claim:roles=admin",
            "call+register math.* claim:team=calc"));

    @Test
    void noRulesAllowsEverything() {
        Permissions open = Permissions.parse(List.of());
        assertThat(open.check(Identity.ANONYMOUS, Action.PUBLISH, "anything.at.all").allowed()).isTrue();
        assertThat(open.check(Identity.ANONYMOUS, Action.SUBSCRIBE, "#").allowed()).isTrue();
    }

    @Test
    void denyByDefaultOnceAnyRuleExists() {
        Decision d = RULES.check(Identity.ANONYMOUS, Action.SUBSCRIBE, "chat.room1");
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).contains("subscribe").contains("chat.room1").contains("anonymous");
        assertThat(RULES.check(Identity.ANONYMOUS, Action.SUBSCRIBE, "public.news").allowed()).isTrue();
        assertThat(RULES.check(Identity.ANONYMOUS, Action.PUBLISH, "public.news").allowed()).isFalse();
        Identity alice = token("alice", Map.of(), null);
        assertThat(RULES.check(alice, Action.SUBSCRIBE, "chat.room1").allowed()).isTrue();
        assertThat(RULES.check(alice, Action.HISTORY, "chat.room1").allowed()).isTrue();
        assertThat(RULES.check(alice, Action.PUBLISH, "chat.room1.messages").allowed()).isTrue();
        assertThat(RULES.check(alice, Action.PUBLISH, "chat.room1").allowed()).isFalse();
        assertThat(RULES.check(alice, Action.CALL, "math.add").allowed()).isFalse();
        assertThat(RULES.check(alice, Action.REGISTER, "math.add").allowed()).isFalse();
    }

    @Test
    void claimsSelectRules() {
        Identity admin = token("root", Map.of("roles", List.of("ops", "admin")), null);
        assertThat(RULES.check(admin, Action.PUBLISH, "admin.reset").allowed()).isTrue();
        Identity ops = token("op", Map.of("roles", List.of("ops")), null);
        assertThat(RULES.check(ops, Action.PUBLISH, "admin.reset").allowed()).isFalse();
        Identity calc = token("c", Map.of("team", "calc"), null);
        assertThat(RULES.check(calc, Action.REGISTER, "math.add").allowed()).isTrue();
        assertThat(RULES.check(calc, Action.CALL, "math.add").allowed()).isTrue();
    }

    @Test
    void perUserTopicsBySubstitution() {
        Identity alice = token("alice", Map.of(), null);
        assertThat(RULES.check(alice, Action.SUBSCRIBE, "user.alice.inbox").allowed()).isTrue();
        assertThat(RULES.check(alice, Action.PUBLISH, "user.alice").allowed()).isTrue();
        assertThat(RULES.check(alice, Action.SUBSCRIBE, "user.alice.#").allowed()).isTrue();
        assertThat(RULES.check(alice, Action.SUBSCRIBE, "user.bob.inbox").allowed()).isFalse();
        assertThat(RULES.check(alice, Action.SUBSCRIBE, "user.*.inbox").allowed()).isFalse();
    }

    @Test
    void claimsCannotInjectWildcardsOrDots() {
        for (String sub : List.of("#", "*", "a.#", "bob.inbox", "", "a b")) {
            Identity evil = token(sub, Map.of(), null);
            assertThat(RULES.check(evil, Action.SUBSCRIBE, "user.bob.inbox").allowed()).as(sub).isFalse();
            assertThat(RULES.check(evil, Action.SUBSCRIBE, "user.#").allowed()).as(sub).isFalse();
        }
    }

    @Test
    void wildcardSubscriptionReachingForbiddenTopicsIsRefused() {
        Identity alice = token("alice", Map.of(), null);
        assertThat(RULES.check(alice, Action.SUBSCRIBE, "chat.*").allowed()).isTrue();
        assertThat(RULES.check(alice, Action.SUBSCRIBE, "chat.#").allowed()).isTrue();
        for (String p : List.of("#", "*", "*.room1", "#.room1", "#.chat", "admin.#", "user.#", "*.#")) {
            Decision d = RULES.check(alice, Action.SUBSCRIBE, p);
            assertThat(d.allowed()).as(p).isFalse();
            assertThat(d.reason()).contains("wildcard");
        }
        assertThat(RULES.check(Identity.ANONYMOUS, Action.SUBSCRIBE, "public.*.x").allowed()).isTrue();
        assertThat(RULES.check(Identity.ANONYMOUS, Action.SUBSCRIBE, "public").allowed()).isTrue();
    }

    @Test
    void tokenGrantsAreNarrowedByTheRules() {
        Grants g = Grants.fromClaim(Map.of("subscribe", List.of("chat.room1", "admin.#"), "publish", List.of("#")));
        Identity alice = token("alice", Map.of(), g);
        assertThat(RULES.check(alice, Action.SUBSCRIBE, "chat.room1").allowed()).isTrue();
        Decision d = RULES.check(alice, Action.SUBSCRIBE, "chat.room2");
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).contains("grants of the token");
        // the token grants admin.# but the rules do not: narrowed away
        assertThat(RULES.check(alice, Action.SUBSCRIBE, "admin.x").allowed()).isFalse();
        // publish # granted by the token: only what the rules allow too
        assertThat(RULES.check(alice, Action.PUBLISH, "chat.r.messages").allowed()).isTrue();
        assertThat(RULES.check(alice, Action.PUBLISH, "chat.r").allowed()).isFalse();
        // with no rules, the token's grants alone decide
        Permissions open = Permissions.parse(List.of());
        assertThat(open.check(alice, Action.SUBSCRIBE, "chat.room2").allowed()).isFalse();
        assertThat(open.check(alice, Action.CALL, "x").allowed()).isFalse();
    }

    @Test
    void apiKeysHaveTheirOwnGrants() {
        Identity billing = Identity.apiKey("billing", Grants.of(List.of(PermissionRule.parseGrant("publish+call billing.#"))));
        assertThat(RULES.check(billing, Action.PUBLISH, "billing.invoice").allowed()).isTrue();
        assertThat(RULES.check(billing, Action.CALL, "billing.total").allowed()).isTrue();
        Decision d = RULES.check(billing, Action.HISTORY, "billing.invoice");
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).contains("API key \"billing\"");
        assertThat(RULES.check(Identity.apiKey("all", Grants.ALL), Action.PUBLISH, "x").allowed()).isTrue();
    }

    @Test
    void badRulesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> PermissionRule.parseRule("subscribe chat.#")).hasMessageContaining("expected: <actions> <pattern> <who>");
        assertThatThrownBy(() -> PermissionRule.parseRule("eat chat.# everyone")).hasMessageContaining("unknown action \"eat\"");
        assertThatThrownBy(() -> PermissionRule.parseRule("subscribe chat..x everyone")).hasMessageContaining("empty word");
        assertThatThrownBy(() -> PermissionRule.parseRule("subscribe user.x{sub} everyone")).hasMessageContaining("placeholder");
        assertThatThrownBy(() -> PermissionRule.parseRule("subscribe chat.# somebody")).hasMessageContaining("who \"somebody\"");
        assertThatThrownBy(() -> PermissionRule.parseRule("subscribe chat.# claim:=x")).hasMessageContaining("who");
        assertThatThrownBy(() -> PermissionRule.parseGrant("publish user.{sub}")).hasMessageContaining("only allowed in auth.rules");
    }

    @Test
    void theServerRefusesABadRuleNamingItsKey() {
        FerryConfig badRule = FerryConfig.DEFAULT.withAuth(new AuthConfig(true, "", true, Duration.ofSeconds(30), "ferry",
                List.of("subscribe chat.# everyone", "eat chat.# everyone"), List.of()));
        assertThatThrownBy(() -> new Security(badRule)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("auth.rules: ").hasMessageContaining("unknown action \"eat\"");
        FerryConfig badGrant = FerryConfig.DEFAULT.withHttp(new HttpConfig(List.of(), 1 << 16,
                List.of(new ApiKeyConfig("billing", "0123456789abcdef0123", List.of("publish user.{sub}")))));
        assertThatThrownBy(() -> new Security(badGrant)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("http.api-keys.billing.allow: ").hasMessageContaining("only allowed in auth.rules");
    }

    @Test
    void coverage() {
        assertThat(TopicPatterns.covers("#", "a.*.#")).isTrue();
        assertThat(TopicPatterns.covers("a.#", "a")).isTrue();
        assertThat(TopicPatterns.covers("a.#", "a.b.*")).isTrue();
        assertThat(TopicPatterns.covers("a.*", "a.b")).isTrue();
        assertThat(TopicPatterns.covers("a.*", "a.*")).isTrue();
        assertThat(TopicPatterns.covers("a.*", "a.#")).isFalse();
        assertThat(TopicPatterns.covers("a.b", "a.*")).isFalse();
        assertThat(TopicPatterns.covers("*.b", "a.b")).isTrue();
        assertThat(TopicPatterns.covers("#.z", "a.#.z")).isTrue();
        assertThat(TopicPatterns.covers("a.#.z", "a.z")).isTrue();
        assertThat(TopicPatterns.covers("a.#.z", "a.#")).isFalse();
        assertThat(TopicPatterns.covers("a.b.c", "a.b")).isFalse();
    }
}
