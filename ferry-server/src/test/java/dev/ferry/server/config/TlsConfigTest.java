package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tls.hsts.*} keys (docs/configuration.md) from YAML, the environment and settings. */
class TlsConfigTest {
    @TempDir
    Path dir;

    @Test
    void hstsIsOffByDefault() {
        assertThat(new ConfigLoader().load().tls().hsts()).isNull();
        assertThat(TlsConfig.DEFAULT.hsts()).isNull();
    }

    @Test
    void hstsFromYamlEnvironmentAndSettings() throws Exception {
        Path yaml = dir.resolve("ferry.yaml");
        Files.writeString(yaml, """
                tls:
                  hsts:
                    max-age: 8760h
                    include-subdomains: true
                """);
        TlsConfig.Hsts h = new ConfigLoader().yaml(yaml).load().tls().hsts();
        assertThat(h).isEqualTo(new TlsConfig.Hsts(Duration.ofHours(8760), true));
        assertThat(h.headerValue()).isEqualTo("max-age=31536000; includeSubDomains");

        TlsConfig.Hsts env = new ConfigLoader().env(Map.of(ConfigLoader.envName("tls.hsts.max-age"), "300s")).load()
                .tls().hsts();
        assertThat(env.headerValue()).isEqualTo("max-age=300");

        assertThat(new ConfigLoader().set("tls.hsts.max-age", "0s").load().tls().hsts().headerValue())
                .as("max-age=0 tells browsers to forget the policy").isEqualTo("max-age=0");
    }

    @Test
    void badHstsSettingsNameTheKey() {
        assertThatThrownBy(() -> new ConfigLoader().set("tls.hsts.max-age", "1500ms").load())
                .hasMessage("tls.hsts.max-age: 1500ms (expected: whole seconds >= 0, such as 8760h for a year)");
        assertThatThrownBy(() -> new ConfigLoader().set("tls.hsts.max-age", "a year").load())
                .hasMessageStartingWith("tls.hsts.max-age: \"a year\"");
        assertThatThrownBy(() -> new ConfigLoader().set("tls.hsts.include-subdomains", "true").load())
                .hasMessageStartingWith("tls.hsts.include-subdomains: set without tls.hsts.max-age");
        assertThatThrownBy(() -> new ConfigLoader().set("tls.hsts.max-age", "1h").set("tls.hsts.include-subdomains", "maybe").load())
                .hasMessage("tls.hsts.include-subdomains: \"maybe\" (expected: true or false)");
    }
}
