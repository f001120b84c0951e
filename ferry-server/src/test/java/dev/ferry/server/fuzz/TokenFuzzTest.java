package dev.ferry.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JWSAlgorithm;
import dev.ferry.server.auth.AuthError;
import dev.ferry.server.auth.AuthOutcome;
import dev.ferry.server.auth.AuthRequest;
import dev.ferry.server.auth.Authenticator;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.auth.SecurityCounters;
import dev.ferry.server.auth.TestKeys;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.IssuerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Token handling: arbitrary strings, and valid tokens with bytes changed, never throw and are never accepted (unless
 * the change left the token as signed).
 */
class TokenFuzzTest {
    private static final String ISS = "https://id.example";
    private static final Authenticator AUTH = new Authenticator(new AuthConfig(false, "t", true, Duration.ofSeconds(30),
            "ferry", List.of(), List.of(new IssuerConfig("main", ISS, TestKeys.SECRET, List.of(), null, null,
            Duration.ofMinutes(5), List.of("ferry")))), HttpConfig.DEFAULT, new SecurityCounters());
    private static final String VALID = TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, "k",
            TestKeys.claims(ISS, "alice").expirationTime(new java.util.Date(System.currentTimeMillis() + 86_400_000L)).build());

    @FuzzTest(maxDuration = "30s")
    void arbitraryAndMutatedTokens(FuzzedDataProvider data) {
        int position = data.consumeInt(0, VALID.length() - 1);
        char replacement = data.consumeChar();
        String text = data.consumeRemainingAsString();
        AuthOutcome o = AUTH.verifyToken(text);
        assertThat(o).isInstanceOf(AuthError.class);
        assertThat(AUTH.authenticate(new AuthRequest("Bearer " + text, Map.of("t", text), Map.of("access_token", List.of(text)))))
                .isInstanceOf(AuthError.class);
        String mutated = VALID.substring(0, position) + replacement + VALID.substring(position + 1);
        AuthOutcome m = AUTH.verifyToken(mutated);
        if (m instanceof Identity id) {
            // Base64url has a few bits of slack in the last character: only an equivalent token may pass
            assertThat(id.name()).isEqualTo("alice");
            assertThat(mutated.split("\\.", -1)).hasSize(3);
        }
    }
}
