package dev.ferry.server.tunnel.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.TlsConfig;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.tunnel.TcpPeer;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry tunnel --to wss://...}: the tunnel client crosses TLS to the gateway, verifying its certificate. */
class TunnelOverTlsTest {
    @TempDir
    Path dir;

    @Test
    void wssTunnelVerifiesTheGatewayAndCarriesBytes() throws Exception {
        X509Bundle cert = new CertificateBuilder().subject("CN=gateway").addSanIpAddress("127.0.0.1")
                .ecp256().setIsCertificateAuthority(true).buildSelfSigned();
        Path certFile = dir.resolve("cert.pem");
        Path keyFile = dir.resolve("key.pem");
        Files.writeString(certFile, cert.getCertificatePathPEM());
        Files.writeString(keyFile, cert.getPrivateKeyPEM());
        try (TcpPeer echo = TcpPeer.echo()) {
            FerryConfig config = FerryConfig.DEFAULT
                    .withTls(new TlsConfig(certFile, keyFile, true, Duration.ofMinutes(1)))
                    .withTunnel(FerryConfig.DEFAULT.tunnel().withRoutes(List.of(
                            TunnelRoute.of(TunnelRoute.Kind.TCP, "echo", "127.0.0.1", echo.port()))));
            try (FerryServer ferry = FerryServer.builder().config(config).host("127.0.0.1").port(0).build()) {
                ferry.start();
                URI wss = URI.create("wss://127.0.0.1:" + ferry.port() + "/v1/tunnel/echo");
                try (TunnelClient client = TunnelClient.builder(wss).trustedCertificates(certFile).build()) {
                    InetSocketAddress local = client.start();
                    byte[] data = new byte[200_000];
                    new Random(7).nextBytes(data);
                    try (Socket s = new Socket(local.getAddress(), local.getPort())) {
                        s.setSoTimeout(60_000);
                        Thread writer = new Thread(() -> {
                            try {
                                s.getOutputStream().write(data);
                            } catch (IOException e) {
                                // the read below fails then
                            }
                        });
                        writer.start();
                        assertThat(s.getInputStream().readNBytes(data.length)).isEqualTo(data);
                        writer.join(10_000);
                    }
                }
                // Without the gateway's certificate among the trusted ones, nothing gets through.
                try (TunnelClient untrusting = TunnelClient.builder(wss).build()) {
                    InetSocketAddress local = untrusting.start();
                    try (Socket s = new Socket(local.getAddress(), local.getPort())) {
                        s.setSoTimeout(60_000);
                        s.getOutputStream().write(new byte[] {1, 2, 3});
                        int first;
                        try {
                            first = s.getInputStream().read();
                        } catch (java.net.SocketException reset) {
                            first = -1; // reset rather than closed: refused all the same
                        }
                        assertThat(first).isEqualTo(-1); // the TLS handshake failed: the local connection ends
                    }
                }
            }
        }
    }
}
