package dev.ferry.server.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.PresenceConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PresenceConfigTest {
    @Test
    void rulesAreReadInNameOrderAndTheFirstMatchDecides() {
        FerryConfig c = new ConfigLoader()
                .set("presence.rules.b-rooms.pattern", "room.*")
                .set("presence.rules.b-rooms.max-entries", "20")
                .set("presence.rules.b-rooms.coalesce", "1s")
                .set("presence.rules.b-rooms.max-info-bytes", "2KiB")
                .set("presence.rules.b-rooms.max-diff", "7")
                .set("presence.rules.a-quiet.pattern", "room.quiet")
                .set("presence.rules.a-quiet.enabled", "false")
                .env(Map.of("FERRY_PRESENCE_EXPIRY", "3s"))
                .load();
        PresenceConfig p = c.presence();
        assertThat(p.expiry()).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.rules()).extracting(PresenceConfig.Rule::name).containsExactly("a-quiet", "b-rooms");
        assertThat(p.ruleFor("room.quiet")).isNull();
        assertThat(p.ruleFor("other")).isNull();
        PresenceConfig.Rule r = p.ruleFor("room.lobby");
        assertThat(r.maxEntries()).isEqualTo(20);
        assertThat(r.coalesce()).isEqualTo(Duration.ofSeconds(1));
        assertThat(r.maxInfoBytes()).isEqualTo(2048);
        assertThat(r.maxDiff()).isEqualTo(7);
        assertThat(FerryConfig.DEFAULT.presence().rules()).isEmpty();
    }

    @Test
    void badRulesNameTheirKey() {
        assertThatThrownBy(() -> new ConfigLoader().set("presence.rules.x.max-entries", "3").load())
                .isInstanceOf(ConfigException.class).hasMessage("presence.rules.x.pattern: missing");
        assertThatThrownBy(() -> new ConfigLoader().set("presence.rules.x.pattern", "a..b").load())
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("presence.rules.x.pattern: ");
        assertThatThrownBy(() -> new ConfigLoader().set("presence.rules.x.pattern", "a").set("presence.rules.x.max-diff", "0").load())
                .isInstanceOf(ConfigException.class).hasMessage("presence.rules.x.max-diff: 0 (expected: > 0)");
        assertThatThrownBy(() -> new ConfigLoader().set("presence.expiry", "0s").load())
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("presence.expiry: ");
        assertThatThrownBy(() -> new ConfigLoader().set("presence.rules.x.colour", "red").load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown configuration key \"presence.rules.x.colour\"");
    }
}
