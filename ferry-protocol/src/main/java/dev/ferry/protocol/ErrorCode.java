package dev.ferry.protocol;

import java.util.HashMap;
import java.util.Map;

/** Machine-readable error codes carried by {@code error} frames (docs/protocol.md §6). */
public enum ErrorCode {
    BAD_FRAME("bad_frame"),
    UNKNOWN_COMMAND("unknown_command"),
    MISSING_FIELD("missing_field"),
    BAD_TOPIC("bad_topic"),
    BAD_PROCEDURE("bad_procedure"),
    NOT_SUBSCRIBED("not_subscribed"),
    NOT_REGISTERED("not_registered"),
    TOO_MANY_SUBSCRIPTIONS("too_many_subscriptions"),
    MESSAGE_TOO_LARGE("message_too_large"),
    NO_SUCH_PROCEDURE("no_such_procedure"),
    CALL_TIMEOUT("call_timeout"),
    CALLEE_GONE("callee_gone"),
    CALLEE_ERROR("callee_error"),
    BAD_TIMEOUT("bad_timeout"),
    SHUTTING_DOWN("shutting_down"),
    UNAVAILABLE("unavailable"),
    UNAUTHORIZED("unauthorized"),
    FORBIDDEN("forbidden"),
    RATE_LIMITED("rate_limited"),
    TOO_MANY_PENDING_CALLS("too_many_pending_calls"),
    BAD_FILTER("bad_filter"),
    BAD_TAGS("bad_tags"),
    SESSION_REFUSED("session_refused"),
    INTERNAL("internal"),
    BAD_PRESENCE("bad_presence"),
    NOT_STATE_CHANNEL("not_state_channel"),
    STATE_CHANNEL("state_channel"),
    STATE_CONFLICT("state_conflict"),
    INVALID_PATCH("invalid_patch"),
    DOCUMENT_TOO_LARGE("document_too_large"),
    /** A publication that would create one topic more than {@code limits.max-topics} allows: nothing was published. */
    TOO_MANY_TOPICS("too_many_topics"),
    /** A publication was handed to the cluster backend, which did not answer in time: it may or may not be published. */
    OUTCOME_UNKNOWN("outcome_unknown"),
    /** A {@code pub} with a {@code pub_id} while the node already remembers its cap of ids ({@code publish.dedup-max-ids}). */
    TOO_MANY_PUB_IDS("too_many_pub_ids"),
    /**
     * A publication whose payload the schema of its topic's event class rejects (or a binary one on such a class):
     * nothing was published; {@code data} names the class and the failing JSON pointers.
     */
    INVALID_PAYLOAD("invalid_payload"),
    /** A {@code sub} the application's subscribe hook refused; {@code data: {"code"}} is the application's own code. */
    SUBSCRIBE_REFUSED("subscribe_refused"),
    /** A publication the application's publish hook refused; {@code data: {"code"}} is the application's own code. */
    PUBLISH_REFUSED("publish_refused"),
    /** A subscribe or publish hook gave no answer and its failure policy is {@code refuse}: nothing was done. */
    HOOK_UNAVAILABLE("hook_unavailable"),
    /** A call its caller canceled ({@code cancel}). */
    CANCELED("canceled"),
    /** A {@code register} that the procedure's registrations do not admit: {@code single}, or another policy. */
    PROCEDURE_EXISTS("procedure_exists");

    private static final Map<String, ErrorCode> BY_WIRE = new HashMap<>();

    static {
        for (ErrorCode c : values()) {
            BY_WIRE.put(c.wire, c);
        }
    }

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    /** The code as it appears on the wire, e.g. {@code bad_topic}. */
    public String wire() {
        return wire;
    }

    /** The code for a wire string, or {@code null} when it is not one of Ferry's own codes. */
    public static ErrorCode fromWire(String wire) {
        return BY_WIRE.get(wire);
    }

    @Override
    public String toString() {
        return wire;
    }
}
