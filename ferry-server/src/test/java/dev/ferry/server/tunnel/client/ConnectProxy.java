package dev.ferry.server.tunnel.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small blocking HTTP CONNECT proxy on 127.0.0.1 that demands Basic or Digest authentication, written for the
 * tests from RFC 7617 / RFC 7616 independently of the client code. The Basic variant closes the connection after
 * its 407 (the client must reconnect); the Digest variant keeps it open (the client asks again on it). It only
 * connects to loopback targets, and records the first bytes the client sends through the tunnel.
 */
public final class ConnectProxy implements AutoCloseable {
    public enum Scheme { BASIC, DIGEST }

    private static final Pattern PARAM = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]*))");

    private final Scheme scheme;
    private final String user;
    private final String password;
    private final ServerSocket server;
    private final String nonce = HexFormat.of().toHexDigits(System.nanoTime());
    final AtomicInteger challenges = new AtomicInteger();
    public final AtomicInteger tunnels = new AtomicInteger();
    final StringBuffer firstTunnelBytes = new StringBuffer();

    public ConnectProxy(Scheme scheme, String user, String password) throws IOException {
        this.scheme = scheme;
        this.user = user;
        this.password = password;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "connect-proxy");
        t.setDaemon(true);
        t.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "connect-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    client.close();
                    return;
                }
                String[] lines = head.split("\r\n");
                String[] requestLine = lines[0].split(" ");
                Map<String, String> headers = new HashMap<>();
                for (int i = 1; i < lines.length; i++) {
                    int c = lines[i].indexOf(':');
                    headers.put(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
                }
                if (!requestLine[0].equals("CONNECT")) {
                    out.write("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    client.close();
                    return;
                }
                String target = requestLine[1];
                if (!authorized(headers.get("proxy-authorization"), target)) {
                    challenges.incrementAndGet();
                    if (scheme == Scheme.BASIC) {
                        out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"ferry-test\""
                                + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        client.close();
                        return;
                    }
                    String body = "authenticate, please";
                    out.write(("HTTP/1.1 407 Proxy Authentication Required\r\n"
                            + "Proxy-Authenticate: Basic realm=\"ferry-test\"\r\n"
                            + "Proxy-Authenticate: Digest realm=\"ferry-test\", qop=\"auth\", algorithm=MD5, nonce=\"" + nonce
                            + "\", opaque=\"xyz\"\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.US_ASCII));
                    continue;
                }
                int colon = target.lastIndexOf(':');
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(target.substring(colon + 1)));
                if (!target.substring(0, colon).equals("127.0.0.1")) {
                    throw new IOException("this test proxy only connects to 127.0.0.1, not " + target);
                }
                tunnels.incrementAndGet();
                out.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                pump(upstream.getInputStream(), out, client, upstream, false);
                pump(in, upstream.getOutputStream(), client, upstream, true);
                return;
            }
        } catch (IOException e) {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private boolean authorized(String header, String target) {
        if (header == null) {
            return false;
        }
        if (scheme == Scheme.BASIC) {
            return header.equals("Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        if (!header.startsWith("Digest ")) {
            return false;
        }
        Map<String, String> p = new HashMap<>();
        Matcher m = PARAM.matcher(header.substring(7));
        while (m.find()) {
            p.put(m.group(1), m.group(2) != null ? m.group(2) : m.group(3));
        }
        String ha1 = md5(user + ":ferry-test:" + password);
        String ha2 = md5("CONNECT:" + target);
        String expected = md5(ha1 + ":" + nonce + ":" + p.get("nc") + ":" + p.get("cnonce") + ":auth:" + ha2);
        return user.equals(p.get("username")) && nonce.equals(p.get("nonce")) && target.equals(p.get("uri"))
                && "auth".equals(p.get("qop")) && "xyz".equals(p.get("opaque")) && expected.equals(p.get("response"));
    }

    private static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) ? state + 1 : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            if (state == 4) {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private void pump(InputStream from, OutputStream to, Socket a, Socket b, boolean record) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            int n;
            try {
                while ((n = from.read(buf)) >= 0) {
                    if (record && firstTunnelBytes.length() < 4096) {
                        firstTunnelBytes.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                    }
                    to.write(buf, 0, n);
                    to.flush();
                }
            } catch (IOException e) {
                // one side closed
            }
            try {
                a.close();
                b.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }, "connect-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
