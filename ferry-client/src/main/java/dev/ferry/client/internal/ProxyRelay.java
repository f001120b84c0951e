package dev.ferry.client.internal;

import dev.ferry.protocol.proxy.ProxyHandshake;
import dev.ferry.protocol.proxy.ProxySettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the JDK's WebSockets through an HTTP proxy that wants Basic or Digest authentication, which
 * {@code java.net.http} cannot answer (it has no Digest, and refuses Basic for tunnels by default).
 *
 * <p>The JDK's client is given this relay as its proxy ({@link #selector()}): a listener on a loopback port of its
 * own. For each {@code CONNECT} it receives it opens the tunnel through the real proxy, answering the challenge with
 * {@link ProxyHandshake}, answers the JDK {@code 200}, then copies bytes both ways; TLS to the server stays end to
 * end, between the JDK and the server. It tunnels only to the client's own server addresses (anything else is
 * {@code 403}), so another program on the machine cannot use the proxy credentials to reach other hosts. A refusal
 * by the proxy is logged and answered {@code 502}, which fails the WebSocket's opening. Threads: one accepting, two
 * per open tunnel (daemons); {@link #close()} closes the listener and every tunnel.
 */
public final class ProxyRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyRelay.class);
    /** Longest response or request head read; a proxy's 407 head is a few hundred bytes. */
    private static final int MAX_HEAD = 16 * 1024;

    private final ProxySettings proxy;
    private final Set<String> targets;
    private final int timeoutMillis;
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** An answer to the proxy's challenge, sent up front on later tunnels (Basic; a Digest nonce may have aged). */
    private volatile String authorization;

    /**
     * Starts listening on a free loopback port.
     *
     * @param proxy the proxy and its credentials
     * @param servers the client's server URIs ({@code ws:} or {@code wss:}); the only targets it tunnels to
     * @param timeout bound on connecting to the proxy and on each of its answers
     */
    public ProxyRelay(ProxySettings proxy, Collection<URI> servers, Duration timeout) throws IOException {
        this.proxy = proxy;
        this.targets = servers.stream().map(ProxyRelay::authority).collect(Collectors.toUnmodifiableSet());
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "ferry-client-proxy-relay");
        t.setDaemon(true);
        t.start();
    }

    /** The proxy selector the JDK client uses to reach this relay (it asks with the http: or https: form of a URI). */
    public ProxySelector selector() {
        return ProxySelector.of(new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort()));
    }

    /** {@code host:port} of a server URI as a {@code CONNECT} names it: lower case, IPv6 in brackets, default ports. */
    static String authority(URI u) {
        String host = u.getHost().toLowerCase(Locale.ROOT);
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        int port = u.getPort() > 0 ? u.getPort() : "wss".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
        return host + ":" + port;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket local = listener.accept();
                Thread t = new Thread(() -> serve(local), "ferry-client-proxy-tunnel");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    log.warn("proxy relay: cannot accept: {}", e.getMessage());
                }
            }
        }
    }

    private void serve(Socket local) {
        open.add(local);
        Socket upstream = null;
        try {
            local.setSoTimeout(timeoutMillis);
            String head = readHead(local.getInputStream());
            String[] line = head == null ? new String[0] : head.split("\r\n", 2)[0].split(" ");
            String target = line.length == 3 && line[0].equals("CONNECT") ? line[1].toLowerCase(Locale.ROOT) : null;
            if (target == null || !targets.contains(target)) {
                log.warn("proxy relay: refused {} (expected: CONNECT to one of {})", line.length > 1 ? line[1] : "a request", targets);
                answer(local, "403 Forbidden");
                return;
            }
            upstream = connect(target);
            if (upstream == null) {
                answer(local, "502 Bad Gateway");
                return;
            }
            open.add(upstream);
            local.setSoTimeout(0);
            upstream.setSoTimeout(0);
            local.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Socket up = upstream;
            Thread back = new Thread(() -> copy(up, local), "ferry-client-proxy-tunnel-in");
            back.setDaemon(true);
            back.start();
            copy(local, upstream);
            back.join();
        } catch (IOException e) {
            log.debug("proxy relay: tunnel ended: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(local);
            if (upstream != null) {
                closeQuietly(upstream);
            }
        }
    }

    /**
     * A connection to the proxy with the tunnel to {@code target} open on it, or null after logging why not: the
     * {@code CONNECT} exchange of {@link ProxyHandshake}, on this connection or a new one as the proxy asks.
     */
    private Socket connect(String target) throws IOException {
        ProxyHandshake handshake = new ProxyHandshake(target, proxy, authorization);
        Socket s = open();
        try {
            while (true) {
                s.getOutputStream().write(handshake.requestHead().getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                Response r = readResponse(s.getInputStream());
                if (r == null) {
                    log.warn("proxy {}:{} closed the connection without answering CONNECT {}", proxy.host(), proxy.port(), target);
                    closeQuietly(s);
                    return null;
                }
                ProxyHandshake.Step step = handshake.onResponse(r.status, r.statusText, r.challenges, r.keepAlive);
                if (step instanceof ProxyHandshake.Established) {
                    if (handshake.authorization() != null && handshake.authorization().startsWith("Basic ")) {
                        authorization = handshake.authorization();
                    }
                    return s;
                }
                if (step instanceof ProxyHandshake.Failed f) {
                    log.warn("{}", f.reason());
                    closeQuietly(s);
                    return null;
                }
                if (!((ProxyHandshake.Again) step).sameConnection()) {
                    closeQuietly(s);
                    s = open();
                }
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            throw e;
        }
    }

    private Socket open() throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(proxy.host(), proxy.port()), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            s.setTcpNoDelay(true);
            return s;
        } catch (IOException e) {
            closeQuietly(s);
            throw new IOException("cannot reach proxy " + proxy.host() + ":" + proxy.port() + ": " + e.getMessage(), e);
        }
    }

    private record Response(int status, String statusText, List<String> challenges, boolean keepAlive) {
    }

    /** The proxy's answer; its body (a 407's HTML) is read past by {@code Content-Length}. Null at end of stream. */
    private static Response readResponse(InputStream in) throws IOException {
        String head = readHead(in);
        if (head == null) {
            return null;
        }
        String[] lines = head.split("\r\n");
        String[] first = lines[0].split(" ", 3);
        if (first.length < 2 || !first[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer from the proxy: " + lines[0]);
        }
        int status;
        try {
            status = Integer.parseInt(first[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP answer from the proxy: " + lines[0]);
        }
        List<String> challenges = new ArrayList<>();
        long length = 0;
        boolean keepAlive = first[0].equals("HTTP/1.1");
        boolean chunked = false;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            switch (name) {
                case "proxy-authenticate" -> challenges.add(value);
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = true;
                case "connection", "proxy-connection" -> keepAlive = value.equalsIgnoreCase("keep-alive")
                        || keepAlive && !value.equalsIgnoreCase("close");
                default -> {
                }
            }
        }
        if (status < 200 || status >= 300) {
            if (chunked) {
                keepAlive = false; // the body's end is not worth finding: ask again on a new connection
            } else {
                in.skipNBytes(length);
            }
        }
        return new Response(status, first.length > 2 ? first[1] + " " + first[2] : first[1], challenges, keepAlive);
    }

    /** Reads up to and including the empty line; returns the head without it, or null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            if (b.size() >= MAX_HEAD) {
                throw new IOException("HTTP head longer than " + MAX_HEAD + " bytes");
            }
            b.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : c == '\r' ? 1 : 0;
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.substring(0, s.length() - 4);
    }

    private static void answer(Socket local, String status) throws IOException {
        local.getOutputStream().write(("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        local.getOutputStream().flush();
    }

    /** Copies until end of stream, then passes the end on (a half close), so the other direction can finish. */
    private void copy(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
        for (Socket s : List.copyOf(open)) {
            closeQuietly(s);
        }
    }
}
