package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The plain-HTTP redirect of a TLS port: what Host and target it copies into Location, and what it refuses. */
class HttpsRedirectTest {
    /** The status, Location and body the redirect answers {@code target} with {@code host} (null: no Host). */
    private record Answer(int status, String location, String body) {
    }

    private static Answer answer(String host, String target) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpsRedirect());
        try {
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
            if (host != null) {
                req.headers().set(HttpHeaderNames.HOST, host);
            }
            ch.writeInbound(req);
            FullHttpResponse r = ch.readOutbound();
            assertThat(r).as("an answer").isNotNull();
            try {
                assertThat(r.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
                assertThat(ch.isOpen()).as("closed after the answer").isFalse();
                return new Answer(r.status().code(), r.headers().get(HttpHeaderNames.LOCATION),
                        r.content().toString(StandardCharsets.UTF_8));
            } finally {
                r.release();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.test", "example.test:8443", "EXAMPLE.test", "a-b.c1.example", "localhost",
            "localhost:1", "127.0.0.1", "127.0.0.1:65535", "[::1]", "[::1]:8443", "[2001:db8::7]:443", "xn--bcher-kva.example"})
    void aValidHostIsRedirectedTo(String host) {
        Answer a = answer(host, "/v1/history/x?limit=1");
        assertThat(a.status()).isEqualTo(308);
        assertThat(a.location()).isEqualTo("https://" + host + "/v1/history/x?limit=1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.example/x?", "evil.example/", "evil.example?x", "evil.example#x", "user@evil.example",
            "good.example@evil.example", "evil.example\\x", "a b", "", "example.test:", "example.test:0",
            "example.test:65536", "example.test:80:80", "example.test:8x", "example.test:+80", "-a.example", "a-.example",
            "a..example", ".example", "a_b.example", "[::1", "[::1]x", "[::1]:", "[fe80::1%25eth0]", "[not-v6]",
            "::1", "1.2.3.999", "1.2.3", "é.example", "example.test:080808"})
    void anInvalidHostIsRefusedWith400AndTheJsonErrorBody(String host) {
        Answer a = answer(host, "/v1/ws");
        assertThat(a.status()).as(host).isEqualTo(400);
        assertThat(a.location()).isNull();
        assertThat(a.body()).startsWith("{\"code\":\"bad_request\",\"message\":\"Host header");
    }

    @Test
    void aMissingHostIsRefusedWith400() {
        Answer a = answer(null, "/");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body()).contains("\"code\":\"bad_request\"");
    }

    @Test
    void aLabelOver63OrANameOver253CharactersIsRefused() {
        assertThat(answer("a".repeat(63) + ".example", "/").status()).isEqualTo(308);
        assertThat(answer("a".repeat(64) + ".example", "/").status()).isEqualTo(400);
        String labels = ("a".repeat(61) + ".").repeat(3) + "a".repeat(63); // 186 + 63 = 249 characters
        assertThat(answer(labels + ".abc", "/").status()).as("253 characters").isEqualTo(308);
        assertThat(answer(labels + ".abcd", "/").status()).as("254 characters").isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"@evil.example/x", "evil.example/x", "http://evil.example/x", "*", "/\u00e9"})
    void aTargetThatIsNotAPathIsRefusedWith400(String target) {
        Answer a = answer("example.test", target);
        assertThat(a.status()).as(target).isEqualTo(400);
        assertThat(a.location()).isNull();
        assertThat(a.body()).startsWith("{\"code\":\"bad_request\",\"message\":\"request target");
    }
}
