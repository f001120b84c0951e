package dev.ferry.protocol.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyAuthTest {
    @Test
    void digestMatchesTheRfc7616Example() {
        // RFC 7616 section 3.9.1 (MD5): user Mufasa, password "Circle of Life", GET /dir/index.html.
        String challenge = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5,"
                + " nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
        String answer = ProxyAuth.digest(challenge, "Mufasa", "Circle of Life", "GET", "/dir/index.html",
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
        assertThat(answer).contains("response=\"8ca523f5e9506fed4657c9700eebdbec\"")
                .contains("qop=auth").contains("nc=00000001").contains("opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
        String sha = ProxyAuth.digest(challenge.replace("MD5", "SHA-256"), "Mufasa", "Circle of Life", "GET",
                "/dir/index.html", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
        assertThat(sha).contains("response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\"");
    }

    @Test
    void strongestSupportedChallengeWins() {
        assertThat(ProxyAuth.answer(List.of("Basic realm=\"x\""), "u", "p", "CONNECT", "h:1")).isEqualTo("Basic dTpw");
        assertThat(ProxyAuth.answer(List.of("Basic realm=\"x\"", "Digest realm=\"x\", nonce=\"n\""), "u", "p", "CONNECT", "h:1"))
                .startsWith("Digest username=\"u\"");
        assertThat(ProxyAuth.answer(List.of("Negotiate"), "u", "p", "CONNECT", "h:1")).isNull();
        assertThat(ProxyAuth.answer(List.of("Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512-256"), "u", "p", "CONNECT", "h:1")).isNull();
    }

    @Test
    void proxyFromEnvironmentAndNoProxy() {
        URI wss = URI.create("wss://gw.example.com/v1/tunnel/rabbit");
        URI ws = URI.create("ws://gw.example.com:8080/v1/tunnel/rabbit");
        assertThat(ProxySettings.fromEnvironment(Map.of("HTTPS_PROXY", "http://u:p%40ss@proxy:3128"), wss))
                .isEqualTo(new ProxySettings("proxy", 3128, "u", "p@ss"));
        assertThat(ProxySettings.fromEnvironment(Map.of("https_proxy", "proxy:8080"), wss))
                .isEqualTo(new ProxySettings("proxy", 8080, null, null));
        assertThat(ProxySettings.fromEnvironment(Map.of("HTTPS_PROXY", "http://proxy:3128"), ws)).isNull();
        assertThat(ProxySettings.fromEnvironment(Map.of("HTTP_PROXY", "http://proxy:3128"), ws)).isNotNull();
        assertThat(ProxySettings.fromEnvironment(Map.of("HTTPS_PROXY", "http://proxy:3128", "NO_PROXY", "localhost, .example.com"), wss)).isNull();
        assertThat(ProxySettings.bypasses("example.com", "gw.example.com", 443)).isTrue();
        assertThat(ProxySettings.bypasses("gw.example.com:8080", "gw.example.com", 443)).isFalse();
        assertThat(ProxySettings.bypasses("gw.example.com:443", "gw.example.com", 443)).isTrue();
        assertThat(ProxySettings.bypasses("*", "anything", 1)).isTrue();
        assertThat(ProxySettings.bypasses("ample.com", "gw.example.com", 443)).isFalse();
        assertThat(ProxySettings.bypasses("127.0.0.1,[::1]", "[::1]", 443)).isTrue();
    }
}
