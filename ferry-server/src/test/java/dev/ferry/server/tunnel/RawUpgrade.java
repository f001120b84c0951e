package dev.ferry.server.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Sends one hand-written upgrade request and reads the answer up to the end of its headers (and body, if any). */
record RawUpgrade(int status, String head, String body) {
    static RawUpgrade send(int port, String method, String path, String subprotocols) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            String req = method + " " + path + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + port + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + (subprotocols == null ? "" : "Sec-WebSocket-Protocol: " + subprotocols + "\r\n")
                    + "\r\n";
            s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.write(b);
            }
            String h = head.toString(StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(h.substring(9, 12));
            String body = "";
            if (status != 101) {
                int cl = h.toLowerCase().indexOf("content-length:");
                if (cl >= 0) {
                    int len = Integer.parseInt(h.substring(cl + 15, h.indexOf("\r\n", cl)).trim());
                    body = new String(in.readNBytes(len), StandardCharsets.UTF_8);
                }
            }
            return new RawUpgrade(status, h, body);
        }
    }
}
