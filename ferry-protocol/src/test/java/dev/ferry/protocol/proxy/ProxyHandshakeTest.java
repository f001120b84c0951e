package dev.ferry.protocol.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The CONNECT exchange shared by {@code ferry tunnel} and the Java client, without sockets. */
class ProxyHandshakeTest {
    private static final ProxySettings PROXY = new ProxySettings("proxy.test", 3128, "alice", "pw");

    @Test
    void aChallengeIsAnsweredOnceOnTheConnectionTheProxyKeeps() {
        ProxyHandshake h = new ProxyHandshake("gw.test:443", PROXY, null);
        assertThat(h.requestHead()).isEqualTo("CONNECT gw.test:443 HTTP/1.1\r\nHost: gw.test:443\r\n"
                + "Proxy-Connection: keep-alive\r\n\r\n");
        ProxyHandshake.Step s = h.onResponse(407, "407 Proxy Authentication Required",
                List.of("Digest realm=\"r\", nonce=\"n\", qop=\"auth\"", "Basic realm=\"r\""), true);
        assertThat(s).isEqualTo(new ProxyHandshake.Again(true));
        assertThat(h.authorization()).startsWith("Digest username=\"alice\"").contains("uri=\"gw.test:443\"");
        assertThat(h.requestHead()).contains("\r\nProxy-Authorization: Digest username=\"alice\"");
        assertThat(h.onResponse(407, "407 Proxy Authentication Required", List.of("Basic realm=\"r\""), true))
                .isEqualTo(new ProxyHandshake.Failed("proxy proxy.test:3128 refused CONNECT gw.test:443:"
                        + " 407 Proxy Authentication Required (credentials rejected)"));
    }

    @Test
    void aProxyThatClosesAfterItsChallengeIsAskedAgainOnANewConnection() {
        ProxyHandshake h = new ProxyHandshake("gw.test:80", PROXY, null);
        assertThat(h.onResponse(407, "407", List.of("Basic realm=\"r\""), false)).isEqualTo(new ProxyHandshake.Again(false));
        assertThat(h.authorization()).isEqualTo("Basic YWxpY2U6cHc=");
        assertThat(h.onResponse(200, "200 Connection established", List.of(), true)).isEqualTo(new ProxyHandshake.Established());
    }

    @Test
    void refusalsNameTheProxyTheTargetAndWhy() {
        ProxySettings anonymous = new ProxySettings("proxy.test", 3128, null, null);
        assertThat(new ProxyHandshake("gw.test:443", anonymous, null).onResponse(407, "407 Proxy Authentication Required",
                List.of("Basic realm=\"r\""), true)).isEqualTo(new ProxyHandshake.Failed("proxy proxy.test:3128 refused"
                + " CONNECT gw.test:443: 407 Proxy Authentication Required (no proxy credentials given)"));
        assertThat(new ProxyHandshake("gw.test:443", PROXY, null).onResponse(403, "403 Forbidden", List.of(), true))
                .isEqualTo(new ProxyHandshake.Failed("proxy proxy.test:3128 refused CONNECT gw.test:443: 403 Forbidden"));
        assertThat(new ProxyHandshake("gw.test:443", PROXY, null).onResponse(407, "407", List.of("Negotiate"), true))
                .isInstanceOf(ProxyHandshake.Failed.class).extracting(f -> ((ProxyHandshake.Failed) f).reason())
                .asString().contains("other than Basic or Digest");
    }
}
