package dev.ferry.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket client written by hand over a socket, for what real clients will not do: stay silent to pings,
 * send bytes that are not UTF-8 as text, split a character over fragments. Client frames are masked (RFC 6455
 * §5.3); server frames are read whole, up to 64 KiB.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int TEXT = 0x1;
    public static final int CONTINUATION = 0x0;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    private static final byte[] MASK = {1, 2, 3, 4};

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private String head;

    /** A frame from the server; {@code rsv1}: its RSV1 bit (a message compressed by permessage-deflate). */
    public record Frame(boolean fin, int opcode, byte[] payload, boolean rsv1) {
        public Frame(boolean fin, int opcode, byte[] payload) {
            this(fin, opcode, payload, false);
        }

        /** The status code of a close frame. */
        public int closeCode() {
            return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(60_000);
        this.in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
        this.out = socket.getOutputStream();
    }

    /** Upgrades a connection to 127.0.0.1:{@code port}{@code path}, offering {@code subprotocol} (null: none). */
    public static RawWebSocket connect(int port, String path, String subprotocol) throws IOException {
        return upgrade(new Socket("127.0.0.1", port), path, subprotocol, "");
    }

    /**
     * As {@link #connect(int, String, String)}, offering {@code extensions} in {@code Sec-WebSocket-Extensions}
     * (e.g. {@code permessage-deflate}); the answer is in {@link #head()}.
     */
    public static RawWebSocket connectOffering(int port, String path, String subprotocol, String extensions)
            throws IOException {
        return upgrade(new Socket("127.0.0.1", port), path, subprotocol,
                "Sec-WebSocket-Extensions: " + extensions + "\r\n");
    }

    /**
     * As {@link #connect(int, String, String)}, with a socket receive buffer of {@code receiveBufferBytes}, set
     * before connecting so that the window the server sees stays that small: once this client stops reading, the
     * server's side fills after a few frames, however fast or slow the machine.
     */
    public static RawWebSocket connect(int port, String path, String subprotocol, int receiveBufferBytes)
            throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(receiveBufferBytes);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        return upgrade(s, path, subprotocol, "");
    }

    private static RawWebSocket upgrade(Socket socket, String path, String subprotocol, String moreHeaders)
            throws IOException {
        RawWebSocket ws = new RawWebSocket(socket);
        ws.out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + (subprotocol == null ? "" : "Sec-WebSocket-Protocol: " + subprotocol + "\r\n") + moreHeaders + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        ws.out.flush();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) ws.in.readUnsignedByte());
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
        ws.head = head.toString();
        return ws;
    }

    /** The server's 101 response: status line and headers. */
    public String head() {
        return head;
    }

    /** Sends one masked frame. */
    public void send(boolean fin, int opcode, byte[] payload) throws IOException {
        if (payload.length > 125) {
            throw new IllegalArgumentException("short frames only");
        }
        byte[] f = new byte[6 + payload.length];
        f[0] = (byte) ((fin ? 0x80 : 0) | opcode);
        f[1] = (byte) (0x80 | payload.length);
        System.arraycopy(MASK, 0, f, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            f[6 + i] = (byte) (payload[i] ^ MASK[i % 4]);
        }
        out.write(f);
        out.flush();
    }

    /**
     * Sends one masked, unfragmented frame of any length whose first byte (FIN, RSV1-3, opcode) is
     * {@code firstByte}.
     */
    public void sendFrame(int firstByte, byte[] payload) throws IOException {
        java.io.ByteArrayOutputStream f = new java.io.ByteArrayOutputStream(payload.length + 14);
        f.write(firstByte);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length <= 0xFFFF) {
            f.write(0x80 | 126);
            f.write(payload.length >> 8);
            f.write(payload.length);
        } else {
            f.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                f.write((int) ((long) payload.length >> shift));
            }
        }
        f.write(MASK);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ MASK[i % 4]);
        }
        out.write(f.toByteArray());
        out.flush();
    }

    /**
     * Sends short text frames back to back, in writes of many frames each, without waiting for anything in
     * between (a pipelining client).
     */
    public void sendTexts(Iterable<byte[]> payloads) throws IOException {
        java.io.BufferedOutputStream buffered = new java.io.BufferedOutputStream(out, 1 << 16);
        for (byte[] payload : payloads) {
            if (payload.length > 125) {
                throw new IllegalArgumentException("short frames only");
            }
            buffered.write(0x80 | TEXT);
            buffered.write(0x80 | payload.length);
            buffered.write(MASK);
            for (int i = 0; i < payload.length; i++) {
                buffered.write(payload[i] ^ MASK[i % 4]);
            }
        }
        buffered.flush();
    }

    /** The next frame from the server (waits up to 60 s). */
    public Frame next() throws IOException {
        int b0 = in.readUnsignedByte();
        int len = in.readUnsignedByte() & 0x7f; // server frames are unmasked
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            throw new IOException("frame too large for this client");
        }
        return new Frame((b0 & 0x80) != 0, b0 & 0x0f, in.readNBytes(len), (b0 & 0x40) != 0);
    }

    /** The next frame that is not a ping. */
    public Frame nextNotPing() throws IOException {
        Frame f;
        do {
            f = next();
        } while (f.opcode() == PING);
        return f;
    }

    /** Drops the connection with a TCP reset (SO_LINGER 0), as a client that dies or gives up does. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /**
     * Reads and discards what the server sends until it closes the connection (each read waits up to 60 s);
     * returns the last {@code n} bytes (fewer if fewer came), where the server's close frame ends up.
     */
    public byte[] readToEnd(int n) throws IOException {
        byte[] tail = new byte[0];
        byte[] buf = new byte[64 * 1024];
        int r;
        while ((r = in.read(buf)) >= 0) {
            byte[] joined = new byte[Math.min(n, tail.length + r)];
            int fromTail = joined.length - Math.min(r, joined.length);
            System.arraycopy(tail, tail.length - fromTail, joined, 0, fromTail);
            System.arraycopy(buf, r - (joined.length - fromTail), joined, fromTail, joined.length - fromTail);
            tail = joined;
        }
        return tail;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
