package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.protocol.proxy.ProxySettings;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.TlsConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client through a real HTTP proxy (Debian's squid) that demands Digest or Basic authentication: ws: and
 * wss: (TLS end to end through the tunnel), and refused credentials.
 */
class ProxyTest {
    static final long TIMEOUT_S = 30;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    @TempDir
    Path dir;

    /** A subscription and a publication through {@code client}, checked by a direct client trusting {@code trusting}. */
    private static void roundTrip(FerryClient client, URI direct, SSLContext trusting) throws Exception {
        BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        client.subscribe("proxied.#", inbox::add).get(TIMEOUT_S, TimeUnit.SECONDS);
        try (FerryClient other = FerryClient.builder().uri(direct).sslContext(trusting).connect()) {
            other.publishAck("proxied.in", "to the proxied client").get(TIMEOUT_S, TimeUnit.SECONDS);
        }
        Message m = inbox.poll(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(m).as("a publication through the proxy").isNotNull();
        assertThat(m.data().asText()).isEqualTo("to the proxied client");
        assertThat(client.publishAck("proxied.out", 1).get(TIMEOUT_S, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void digestAuthenticationThroughSquid() throws Exception {
        try (Squid squid = Squid.start(dir, Squid.Scheme.DIGEST, "carol", "digest-pw")) {
            try (FerryClient c = FerryClient.builder().uri(server.wsUri()).reconnect(false)
                    .proxy(ProxySettings.parse(squid.url()).withCredentials("carol", "digest-pw")).connect()) {
                roundTrip(c, server.wsUri(), SSLContext.getDefault());
            }
            String target = "CONNECT 127.0.0.1:" + server.port() + " carol ";
            Await.until("squid's log of carol's tunnel", Duration.ofSeconds(30), () -> log(squid).contains(target));
            for (String[] wrong : new String[][] {{"carol", "wrong"}, {"mallory", "digest-pw"}}) {
                assertThatThrownBy(() -> FerryClient.builder().uri(server.wsUri()).reconnect(false)
                        .proxy(ProxySettings.parse(squid.url()).withCredentials(wrong[0], wrong[1])).connect())
                        .as("%s:%s", wrong[0], wrong[1]).isInstanceOf(FerryException.class)
                        .extracting(e -> ((FerryException) e).code()).isEqualTo(FerryException.CONNECT_FAILED);
            }
            assertThatThrownBy(() -> FerryClient.builder().uri(server.wsUri()).reconnect(false)
                    .proxy(ProxySettings.parse(squid.url())).connect())
                    .as("no credentials").isInstanceOf(FerryException.class);
        }
    }

    @Test
    void basicAuthenticationThroughSquidWithTlsEndToEnd() throws Exception {
        X509Bundle cert = new CertificateBuilder().subject("CN=ferry-test").addSanIpAddress("127.0.0.1")
                .ecp256().setIsCertificateAuthority(true).buildSelfSigned();
        Path certFile = Files.writeString(dir.resolve("server.pem"), cert.getCertificatePathPEM());
        Path keyFile = Files.writeString(dir.resolve("server.key"), cert.getPrivateKeyPEM());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, cert.toTrustManagerFactory().getTrustManagers(), null);
        try (FerryServer tls = FerryServer.builder().config(FerryConfig.DEFAULT.withTls(
                        new TlsConfig(certFile, keyFile, true, Duration.ofMinutes(1)))).host("127.0.0.1").port(0).build();
             Squid squid = Squid.start(dir, Squid.Scheme.BASIC, "dave", "basic-pw")) {
            tls.start();
            try (FerryClient c = FerryClient.builder().uri(tls.webSocketUri()).reconnect(false).sslContext(ctx)
                    .proxy(ProxySettings.parse("http://dave:basic-pw@" + squid.url().substring("http://".length())))
                    .connect()) {
                roundTrip(c, tls.webSocketUri(), ctx);
            }
            String target = "CONNECT 127.0.0.1:" + tls.port() + " dave ";
            Await.until("squid's log of dave's tunnel", Duration.ofSeconds(30), () -> log(squid).contains(target));
            assertThatThrownBy(() -> FerryClient.builder().uri(tls.webSocketUri()).reconnect(false).sslContext(ctx)
                    .proxy(ProxySettings.parse(squid.url()).withCredentials("dave", "wrong")).connect())
                    .isInstanceOf(FerryException.class);
        }
    }

    private static String log(Squid squid) {
        try {
            return squid.accessLog();
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
