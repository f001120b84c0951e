package dev.ferry.server.session;

import dev.ferry.server.store.ResumableSession;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.SessionConfig;
import dev.ferry.server.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class SessionTokensTest {
    static final String SECRET = "a-session-secret-of-enough-bytes";

    static Identity subject(String issuer, String sub) {
        return new Identity(Identity.Kind.TOKEN, sub, issuer, Map.of(), null, null);
    }

    @Test
    void tokensVerifyOnlyForTheirPrincipalAndSecret() {
        SessionTokens tokens = new SessionTokens(SECRET);
        String alice = SessionTokens.principal(subject("iss", "alice"));
        SessionTokens.Issued issued = tokens.issue(alice);
        assertThat(tokens.verify(issued.token(), alice)).isEqualTo(issued.id());
        assertThat(new SessionTokens(SECRET).verify(issued.token(), alice)).as("same secret, another node").isEqualTo(issued.id());
        assertThat(tokens.verify(issued.token(), SessionTokens.principal(subject("iss", "bob")))).isNull();
        assertThat(tokens.verify(issued.token(), SessionTokens.principal(subject("other", "alice")))).isNull();
        assertThat(tokens.verify(issued.token(), SessionTokens.principal(Identity.ANONYMOUS))).isNull();
        assertThat(tokens.verify(issued.token(), SessionTokens.principal(Identity.apiKey("alice", null)))).isNull();
        assertThat(new SessionTokens(null).verify(issued.token(), alice)).as("another secret").isNull();
        assertThat(tokens.verify(null, alice)).isNull();
    }

    @Test
    void aTokenOfAnotherSecretIsToldApartFromAForgery() {
        SessionTokens previousRun = new SessionTokens(null);
        SessionTokens thisRun = new SessionTokens(null);
        String token = previousRun.issue("anonymous").token();
        assertThat(thisRun.verify(token, "anonymous")).isNull();
        assertThat(thisRun.otherKey(token)).as("signed by another generated secret").isTrue();
        assertThat(new SessionTokens(SECRET).otherKey(new SessionTokens(SECRET).issue("anonymous").token()))
                .as("same configured secret").isFalse();
        String own = thisRun.issue("anonymous").token();
        String forged = own.substring(0, own.length() - 2) + (own.endsWith("A") ? "Bw" : "Aw");
        assertThat(thisRun.verify(forged, "anonymous")).isNull();
        assertThat(thisRun.otherKey(forged)).as("this secret's key, bad MAC").isFalse();
        for (String malformed : List.of("", "x", "a.b", token + "." + token, token.substring(0, token.length() - 1),
                token.replace('.', ':'))) {
            assertThat(thisRun.otherKey(malformed)).as(malformed).isFalse();
        }
        assertThat(thisRun.otherKey(null)).isFalse();
    }

    @Test
    void everyAlteredCharacterIsRefused() {
        SessionTokens tokens = new SessionTokens(SECRET);
        SessionTokens.Issued issued = tokens.issue("anonymous");
        String t = issued.token();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            String altered = t.substring(0, i) + (c == 'A' ? 'B' : 'A') + t.substring(i + 1);
            assertThat(tokens.verify(altered, "anonymous")).as(altered).isNull();
        }
    }

    @Test
    void tokensSignedOnOneThreadVerifyOnAnother() throws Exception {
        SessionTokens tokens = new SessionTokens(SECRET);
        String alice = SessionTokens.principal(subject("iss", "alice"));
        SessionTokens.Issued here = tokens.issue(alice);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            SessionTokens.Issued there = other.submit(() -> tokens.issue(alice)).get();
            assertThat(tokens.verify(there.token(), alice)).isEqualTo(there.id());
            assertThat(other.submit(() -> tokens.verify(here.token(), alice)).get()).isEqualTo(here.id());
            String t = here.token();
            int i = t.length() - 5;
            String tampered = t.substring(0, i) + (t.charAt(i) == 'A' ? 'B' : 'A') + t.substring(i + 1);
            assertThat(other.submit(() -> tokens.verify(tampered, alice)).get()).isNull();
            assertThat(other.submit(() -> tokens.verify(here.token(), alice)).get()).as("after a refusal").isEqualTo(here.id());
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void twoThreadsSigningAtOnceMakeTheSameTokensAsOne() throws Exception {
        SessionTokens tokens = new SessionTokens(SECRET);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<SessionTokens.Issued>>> runs = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                String principal = "key\nk" + r;
                runs.add(pool.submit(() -> {
                    List<SessionTokens.Issued> issued = new ArrayList<>();
                    for (int n = 0; n < 2000; n++) {
                        SessionTokens.Issued one = tokens.issue(principal);
                        assertThat(tokens.verify(one.token(), principal)).isEqualTo(one.id());
                        issued.add(one);
                    }
                    return issued;
                }));
            }
            SessionTokens reference = new SessionTokens(SECRET);
            for (int r = 0; r < 2; r++) {
                for (SessionTokens.Issued one : runs.get(r).get()) {
                    assertThat(reference.verify(one.token(), "key\nk" + r)).isEqualTo(one.id());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void idsAreRandomAndLongEnough() {
        SessionTokens tokens = new SessionTokens(null);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            SessionTokens.Issued issued = tokens.issue("anonymous");
            assertThat(java.util.Base64.getUrlDecoder().decode(issued.id())).hasSize(16); // 128 bits
            ids.add(issued.id());
        }
        assertThat(ids).hasSize(1000);
    }

    @Test
    void detachedSessionsExpireAfterTheTtlAndWorthlessOnesAreDropped() {
        ManualClock clock = new ManualClock();
        ResumableSessions sessions = new ResumableSessions(new SessionConfig(Duration.ofSeconds(2), null, ""), clock);
        Object connection = new Object();
        ResumableSession kept = sessions.create(Identity.ANONYMOUS);
        kept.attach(connection);
        kept.durable("a.b", true);
        ResumableSession worthless = sessions.create(Identity.ANONYMOUS);
        worthless.attach(connection);
        sessions.detach(kept, connection);
        sessions.detach(worthless, connection);
        assertThat(sessions.find(kept.token(), Identity.ANONYMOUS).outcome()).isEqualTo(ResumableSessions.Outcome.FOUND);
        assertThat(sessions.find(worthless.token(), Identity.ANONYMOUS).outcome()).isEqualTo(ResumableSessions.Outcome.EXPIRED);
        clock.advance(Duration.ofSeconds(2));
        assertThat(sessions.find(kept.token(), Identity.ANONYMOUS).outcome()).as("kept for its whole ttl")
                .isEqualTo(ResumableSessions.Outcome.FOUND);
        clock.advance(Duration.ofMillis(1));
        assertThat(sessions.find(kept.token(), Identity.ANONYMOUS).outcome()).as("expired after its ttl")
                .isEqualTo(ResumableSessions.Outcome.EXPIRED);
        assertThat(sessions.find("x.y", Identity.ANONYMOUS).outcome()).isEqualTo(ResumableSessions.Outcome.REFUSED);
        assertThat(sessions.find(null, Identity.ANONYMOUS).outcome()).isEqualTo(ResumableSessions.Outcome.NONE);
    }

    @Test
    void shortSecretsAreRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SessionConfig(Duration.ofMinutes(1), "short", "c"))
                .hasMessageContaining("session.secret");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SessionConfig(Duration.ofMinutes(1), null, "bad;name"))
                .hasMessageContaining("session.cookie");
        assertThat(new SessionConfig(Duration.ofMinutes(1), SECRET, "c").toString()).doesNotContain(SECRET);
    }
}
