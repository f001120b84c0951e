package dev.ferry.cli;

import dev.ferry.protocol.proxy.ProxySettings;
import dev.ferry.server.tunnel.client.TunnelClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ferry tunnel}: a local TCP listener whose connections each cross to a gateway route over their own
 * WebSocket (docs/amqp.md). Runs until interrupted.
 */
@Command(name = "tunnel", mixinStandardHelpOptions = true,
        description = {"Carry local TCP connections over WebSockets to a Ferry tunnel route.",
                "Listens locally and carries each accepted connection over its own WebSocket, e.g. for AMQP 0-9-1 "
                        + "clients behind a firewall that only lets web traffic out."},
        footer = {"", "Environment: HTTPS_PROXY (wss:) or HTTP_PROXY (ws:) and NO_PROXY are used when --proxy is not given.",
                "Example: ferry tunnel --listen 127.0.0.1:5673 --to wss://gw.example/v1/tunnel/rabbit"})
public final class TunnelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
            description = "Local address to listen on, e.g. 127.0.0.1:5673.")
    String listen;

    @Option(names = "--to", required = true, paramLabel = "URL",
            description = "The route: ws[s]://host[:port]/v1/tunnel/<name>, or an AMQP route with --subprotocol amqp.")
    URI to;

    @Option(names = "--proxy", paramLabel = "URL",
            description = "HTTP proxy to CONNECT through: http://[user:password@]host:port.")
    String proxy;

    @Option(names = "--proxy-user", paramLabel = "USER:PASSWORD",
            description = "Proxy credentials (Basic or Digest, as the proxy demands).")
    String proxyUser;

    @Option(names = {"-H", "--header"}, paramLabel = "'NAME: VALUE'",
            description = "Header for every upgrade request, e.g. 'Authorization: Bearer TOKEN'. Repeatable.")
    List<String> headers = new ArrayList<>();

    @Option(names = "--subprotocol", paramLabel = "TOKEN", description = "WebSocket subprotocol to ask for (amqp for AMQP routes).")
    String subprotocol;

    @Option(names = {"-k", "--insecure"}, description = "wss: accept any server certificate (testing only).")
    boolean insecure;

    @Option(names = "--ca", paramLabel = "FILE", description = "wss: trust the CA certificates in this PEM file.")
    Path ca;

    @Override
    public Integer call() throws Exception {
        TunnelClient.Builder b = builder(System.getenv());
        try (TunnelClient client = b.build()) {
            InetSocketAddress bound = client.start();
            spec.commandLine().getOut().println("ferry tunnel: " + bound.getHostString() + ":" + bound.getPort() + " → " + to);
            spec.commandLine().getOut().flush();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                client.close();
                stop.countDown();
            }, "ferry-tunnel-shutdown"));
            stop.await();
        }
        return 0;
    }

    /** The client these options describe; {@code env} supplies the proxy variables when {@code --proxy} is absent. */
    TunnelClient.Builder builder(Map<String, String> env) {
        TunnelClient.Builder b;
        try {
            b = TunnelClient.builder(to).listen(hostPort(listen));
            ProxySettings p = proxy != null ? ProxySettings.parse(proxy) : ProxySettings.fromEnvironment(env, to);
            if (p != null && proxyUser != null) {
                String[] up = proxyUser.split(":", 2);
                p = p.withCredentials(up[0], up.length > 1 ? up[1] : "");
            }
            b.proxy(p).subprotocol(subprotocol).insecure(insecure).trustedCertificates(ca);
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("--header: \"" + h + "\" (expected: 'Name: value')");
                }
                b.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        return b;
    }

    private static InetSocketAddress hostPort(String s) {
        int colon = s.lastIndexOf(':');
        try {
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new InetSocketAddress(host.isEmpty() ? "127.0.0.1" : host, Integer.parseInt(s.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--listen: \"" + s + "\" (expected: host:port, e.g. 127.0.0.1:5673)");
        }
    }
}
