package dev.ferry.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.auth.PermissionRule;
import dev.ferry.server.auth.Permissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The permission rule parser: arbitrary text either parses or is refused with IllegalArgumentException; a parsed
 * rule resolved for any subject yields a valid pattern or none, and never lets a subscription that its own
 * pattern does not cover through.
 */
class PermissionRuleFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parseAndResolve(FuzzedDataProvider data) {
        String sub = data.consumeString(40);
        String target = data.consumeString(80);
        String text = data.consumeRemainingAsString();
        PermissionRule rule;
        try {
            rule = PermissionRule.parseRule(text);
        } catch (IllegalArgumentException refused) {
            return;
        }
        Identity id = new Identity(Identity.Kind.TOKEN, sub, "iss", Map.of("sub", sub, "roles", List.of(sub)),
                Instant.now().plusSeconds(60), null);
        String[] p = rule.patternFor(id);
        if (p != null) {
            assertThat(Topics.checkPattern(String.join(".", p))).as(text).isNull();
        }
        if (Topics.checkPattern(target) == null) {
            boolean allowed = Permissions.parse(List.of(text)).check(id, Action.SUBSCRIBE, target).allowed();
            if (allowed) {
                assertThat(p).isNotNull();
                assertThat(rule.actions()).contains(Action.SUBSCRIBE);
            }
        }
    }
}
