package dev.ferry.server.auth;

import dev.ferry.protocol.FrameCodec;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What a client may be allowed to do with a topic (or, for {@link #CALL} and {@link #REGISTER}, a procedure; for
 * {@link #TUNNEL}, a tunnel route's name).
 */
public enum Action {
    SUBSCRIBE,
    PUBLISH,
    CALL,
    REGISTER,
    HISTORY,
    /** Opening a tunnel ({@code /v1/tunnel/<name>}, AMQP routes) whose route requires it; the target is the route's name. */
    TUNNEL,
    /** Reading a topic's presence ({@code presence}, {@code GET /v1/presence/...}) and receiving its pushes. */
    PRESENCE,
    /**
     * Operating the server: the server API under {@code /v1/admin/} and the console at {@code /admin}. Granted only
     * when named, on the pattern {@code #}: {@code all} does not include it, a server without {@code auth.rules}
     * does not give it, nor does a key of the plain {@code http.api-keys} list.
     */
    ADMIN;

    /** The target an {@link #ADMIN} check is made on: the whole server, which only the pattern {@code #} covers. */
    public static final String ADMIN_TARGET = "#";

    /** The action's name in configuration, tokens and error data: {@code subscribe}, {@code publish}, ... */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code {"action": this, "topic": target}} as JSON bytes: the data of a {@code forbidden} error. */
    public byte[] forbiddenData(String target) {
        return ("{\"action\":" + new String(FrameCodec.quote(wire()), StandardCharsets.UTF_8)
                + ",\"topic\":" + new String(FrameCodec.quote(target), StandardCharsets.UTF_8) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The action named {@code s} (as {@link #wire()} spells it), or {@code null}. */
    public static Action fromWire(String s) {
        for (Action a : values()) {
            if (a.wire().equals(s)) {
                return a;
            }
        }
        return null;
    }
}
