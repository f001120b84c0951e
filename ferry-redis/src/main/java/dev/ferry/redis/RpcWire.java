package dev.ferry.redis;

import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.Payload;
import dev.ferry.server.engine.DisclosedCaller;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The messages on a node's channel: a call routed to one of its callees or its cancel, the progress and outcome of
 * a call one of its callers made, or the news that another node resumed one of its sessions. Binary: a type byte, then fields in {@link DataOutputStream} form; a payload is a kind byte
 * ({@code j}/{@code b}), a length and the bytes.
 */
final class RpcWire {
    private RpcWire() {
    }

    sealed interface Message permits Call, Cancel, Progress, Success, Failure, SessionMoved {
    }

    /** Another node resumed the session {@code id}, which this node held. */
    record SessionMoved(String id) implements Message {
    }

    /**
     * {@code progress}: the caller takes progressive results (absent from a call sent without it: false);
     * {@code disclosed}: the caller when it disclosed itself, else null (absent from a call sent without it).
     */
    record Call(String callerNode, long invocationId, String proc, long timeoutMs, Payload args, boolean progress,
                DisclosedCaller disclosed) implements Message {
    }

    /** The caller's node cancels the call {@code invocationId} it routed here. */
    record Cancel(String callerNode, long invocationId, CancelMode mode) implements Message {
    }

    record Progress(long invocationId, Payload data) implements Message {
    }

    record Success(long invocationId, Payload data) implements Message {
    }

    /** {@code data} may be null. */
    record Failure(long invocationId, String code, String message, Payload data) implements Message {
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] encode(int type, Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(type);
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * A call; {@code disclosed} (may be null) follows the other fields, so a node that does not read it ignores
     * it, and a call without it reads as undisclosed.
     */
    static byte[] call(String callerNode, long invocationId, String proc, long timeoutMs, Payload args, boolean progress,
                       DisclosedCaller disclosed) {
        return encode('C', out -> {
            out.writeUTF(callerNode);
            out.writeLong(invocationId);
            out.writeUTF(proc);
            out.writeLong(timeoutMs);
            payload(out, args);
            out.writeBoolean(progress);
            out.writeBoolean(disclosed != null);
            if (disclosed != null) {
                out.writeLong(disclosed.session());
                out.writeUTF(disclosed.authid());
                out.writeUTF(disclosed.authrole());
            }
        });
    }

    static byte[] cancel(String callerNode, long invocationId, CancelMode mode) {
        return encode('X', out -> {
            out.writeUTF(callerNode);
            out.writeLong(invocationId);
            out.writeUTF(mode.wire());
        });
    }

    static byte[] progress(long invocationId, Payload data) {
        return encode('P', out -> {
            out.writeLong(invocationId);
            payload(out, data);
        });
    }

    static byte[] success(long invocationId, Payload data) {
        return encode('R', out -> {
            out.writeLong(invocationId);
            payload(out, data);
        });
    }

    static byte[] failure(long invocationId, String code, String message, Payload data) {
        return encode('E', out -> {
            out.writeLong(invocationId);
            out.writeUTF(code);
            out.writeUTF(message == null ? "" : message);
            out.writeBoolean(data != null);
            if (data != null) {
                payload(out, data);
            }
        });
    }

    static byte[] sessionMoved(String id) {
        return encode('S', out -> out.writeUTF(id));
    }

    static Message decode(byte[] message) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(message))) {
            int type = in.readByte();
            return switch (type) {
                case 'C' -> {
                    String callerNode = in.readUTF();
                    long id = in.readLong();
                    String proc = in.readUTF();
                    long timeoutMs = in.readLong();
                    Payload args = payload(in);
                    boolean progress = in.available() > 0 && in.readBoolean();
                    DisclosedCaller disclosed = in.available() > 0 && in.readBoolean()
                            ? new DisclosedCaller(in.readLong(), in.readUTF(), in.readUTF()) : null;
                    yield new Call(callerNode, id, proc, timeoutMs, args, progress, disclosed);
                }
                case 'X' -> {
                    String callerNode = in.readUTF();
                    long id = in.readLong();
                    String mode = in.readUTF();
                    CancelMode m = CancelMode.fromWire(mode);
                    if (m == null) {
                        throw new IllegalArgumentException("unknown cancel mode " + mode);
                    }
                    yield new Cancel(callerNode, id, m);
                }
                case 'P' -> new Progress(in.readLong(), payload(in));
                case 'R' -> new Success(in.readLong(), payload(in));
                case 'E' -> {
                    long id = in.readLong();
                    String code = in.readUTF();
                    String text = in.readUTF();
                    yield new Failure(id, code, text, in.readBoolean() ? payload(in) : null);
                }
                case 'S' -> new SessionMoved(in.readUTF());
                default -> throw new IllegalArgumentException("unknown RPC message type " + type);
            };
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated RPC message", e);
        }
    }

    private static void payload(DataOutputStream out, Payload p) throws IOException {
        Payload v = p == null ? Payload.NULL : p;
        out.writeByte(v.isBinary() ? 'b' : 'j');
        out.writeInt(v.length());
        out.write(v.bytes());
    }

    private static Payload payload(DataInputStream in) throws IOException {
        boolean binary = in.readByte() == 'b';
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return binary ? Payload.binary(b) : Payload.json(b);
    }
}
