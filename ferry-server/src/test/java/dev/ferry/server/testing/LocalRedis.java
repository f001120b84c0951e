package dev.ferry.server.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** The Redis server tests of the Redis engine use: 127.0.0.1:6379. */
public final class LocalRedis {
    public static final String URI = "redis://127.0.0.1:6379";

    private LocalRedis() {
    }

    /** Whether a Redis server answers {@code PING} on 127.0.0.1:6379 within a second. */
    public static boolean available() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 6379), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] reply = new byte[5];
            return in.read(reply) > 0 && new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
