package dev.ferry.server.sse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes events of the {@code text/event-stream} format (WHATWG HTML, "Server-sent events"): optional
 * {@code id:} and {@code event:} fields, the data as one {@code data:} line per line of it, a blank line.
 */
final class SseEvents {
    /** A comment line; clients ignore it, proxies see traffic. */
    static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);

    private SseEvents() {
    }

    /**
     * One event. {@code id} and {@code type} may be null (no field: the client keeps its last event id, and the
     * event is a {@code message}). The data may span lines: the spec splits on CR, LF or CRLF and the client
     * joins the {@code data:} lines with LF again, so a payload's line breaks (only possible as JSON whitespace)
     * survive as LF.
     */
    static ByteBuf event(String id, String type, byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(data.length + 64);
        if (id != null) {
            field(b, "id", id.getBytes(StandardCharsets.UTF_8));
        }
        if (type != null) {
            field(b, "event", type.getBytes(StandardCharsets.UTF_8));
        }
        int start = 0;
        for (int i = 0; i <= data.length; i++) {
            if (i == data.length || data[i] == '\n' || data[i] == '\r') {
                b.writeBytes("data: ".getBytes(StandardCharsets.US_ASCII));
                b.write(data, start, i - start);
                b.write('\n');
                if (i < data.length && data[i] == '\r' && i + 1 < data.length && data[i + 1] == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        b.write('\n');
        return Unpooled.wrappedBuffer(b.toByteArray());
    }

    /**
     * The {@code close} event that ends a stream: data {@code {"code": code, "reason": reason}} (docs/web.md), as a
     * fallback session's.
     */
    static ByteBuf close(int code, String reason) {
        String data = "{\"code\":" + code + ",\"reason\":"
                + new String(dev.ferry.protocol.FrameCodec.quote(reason), StandardCharsets.UTF_8) + "}";
        return event(null, "close", data.getBytes(StandardCharsets.UTF_8));
    }

    static ByteBuf ping() {
        return Unpooled.wrappedBuffer(PING);
    }

    private static void field(ByteArrayOutputStream b, String name, byte[] value) {
        b.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        b.write(':');
        b.write(' ');
        b.writeBytes(value);
        b.write('\n');
    }
}
