package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tls.hsts.*} and {@code tls.client-*} keys (docs/configuration.md) from YAML, the environment and settings. */
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

    @Test
    void clientCertificatesAreOffByDefaultAndReadFromSettings() throws Exception {
        assertThat(new ConfigLoader().load().tls().clientAuth()).isEqualTo(TlsConfig.ClientAuth.NONE);
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        Path key = Files.writeString(dir.resolve("k.pem"), "x");
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        TlsConfig t = new ConfigLoader().set("tls.cert", cert.toString()).set("tls.key", key.toString())
                .set("tls.client-auth", "Need").set("tls.client-ca", ca.toString()).load().tls();
        assertThat(t.clientAuth()).isEqualTo(TlsConfig.ClientAuth.NEED);
        assertThat(t.clientCa()).isEqualTo(ca);
        assertThat(new ConfigLoader().env(Map.of(ConfigLoader.envName("tls.cert"), cert.toString(),
                ConfigLoader.envName("tls.key"), key.toString(), ConfigLoader.envName("tls.client-auth"), "want",
                ConfigLoader.envName("tls.client-ca"), ca.toString())).load().tls().clientAuth())
                .isEqualTo(TlsConfig.ClientAuth.WANT);
    }

    @Test
    void badClientCertificateSettingsNameTheKey() throws Exception {
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        Path key = Files.writeString(dir.resolve("k.pem"), "x");
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        ConfigLoader tls = new ConfigLoader().set("tls.cert", cert.toString()).set("tls.key", key.toString());
        assertThatThrownBy(() -> tls.set("tls.client-auth", "optional").load())
                .hasMessage("tls.client-auth: \"optional\" (expected: none, want or need)");
        assertThatThrownBy(() -> new ConfigLoader().set("tls.cert", cert.toString()).set("tls.key", key.toString())
                .set("tls.client-auth", "need").load())
                .hasMessageStartingWith("tls.client-ca: missing");
        assertThatThrownBy(() -> new ConfigLoader().set("tls.cert", cert.toString()).set("tls.key", key.toString())
                .set("tls.client-ca", ca.toString()).load())
                .hasMessageStartingWith("tls.client-ca: set while tls.client-auth is none");
        assertThatThrownBy(() -> new ConfigLoader().set("tls.client-auth", "want").set("tls.client-ca", ca.toString()).load())
                .hasMessageStartingWith("tls.client-auth: want without tls.cert");
    }
}
