package dev.ferry.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Sends one raw HTTP/1.1 request and reads the whole answer (the server closes after a refusal): for checking the
 * status and body of refused WebSocket upgrades, which WebSocket clients do not expose.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /** The raw response to a ferry.v1 upgrade of {@code pathAndQuery} with {@code extraHeaders} (CRLF-terminated lines). */
    public static String upgrade(int port, String pathAndQuery, String extraHeaders) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Protocol: ferry.v1\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                b.write(buf, 0, n);
                String text = b.toString(StandardCharsets.UTF_8);
                if (text.startsWith("HTTP/1.1 101")) {
                    return text; // switched: the connection stays open
                }
            }
            return b.toString(StandardCharsets.UTF_8);
        }
    }
}
