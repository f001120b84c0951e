package dev.ferry.server.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** Blocking TLS client sockets to a test server (certificates not checked) and raw HTTP/1.1 over them. */
final class TlsSockets {
    private static final SSLContext TRUST_ALL = trustingAnyCertificate();

    private TlsSockets() {
    }

    private static SSLContext trustingAnyCertificate() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return c;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context that accepts any server certificate. */
    static SSLContext trustAll() {
        return TRUST_ALL;
    }

    /** The cipher suites this JVM's client can be asked to offer. */
    static String[] supportedSuites() {
        return TRUST_ALL.getSupportedSSLParameters().getCipherSuites();
    }

    /** An unconnected-handshake socket to 127.0.0.1:{@code port} offering only {@code protocol} and {@code suites}. */
    static SSLSocket open(int port, String protocol, String... suites) throws IOException {
        SSLSocket s = (SSLSocket) TRUST_ALL.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        s.setEnabledProtocols(new String[] {protocol});
        if (suites.length > 0) {
            s.setEnabledCipherSuites(suites);
        }
        return s;
    }

    /** The suite a handshake offering only {@code protocol} and {@code suites} agrees on, or null when it fails. */
    static String negotiate(int port, String protocol, String... suites) throws IOException {
        try (SSLSocket s = open(port, protocol, suites)) {
            s.startHandshake();
            return s.getSession().getCipherSuite();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Reads one response's head (through the empty line) and its {@code Content-Length} body; null at end of stream. */
    static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        String head = b.toString(StandardCharsets.ISO_8859_1);
        Matcher m = Pattern.compile("(?im)^content-length: *(\\d+)\r?\n").matcher(head);
        if (m.find()) {
            b.write(in.readNBytes(Integer.parseInt(m.group(1))));
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** The value of header {@code name} in a response's head, or null. */
    static String header(String response, String name) {
        Matcher m = Pattern.compile("(?im)^" + Pattern.quote(name.toLowerCase(Locale.ROOT)) + ": *([^\r\n]*)\r?\n")
                .matcher(response);
        return m.find() ? m.group(1) : null;
    }
}
