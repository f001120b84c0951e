package dev.ferry.protocol;

/**
 * One ferry.v1 frame. {@link Command}s travel from client to server, {@link Push}es from server to client
 * ({@link Reply} is the callee's answer to an {@link Invoke} and so a command too). Request ids are JSON integers;
 * {@code 0} stands for "no id".
 */
public sealed interface Frame {

    /** The frame's {@code type} member. */
    String type();

    /** A frame a client sends. */
    sealed interface Command extends Frame {
        long id();
    }

    /** A frame the server sends. */
    sealed interface Push extends Frame {
    }

    /** A frame whose payload may travel as binary. */
    sealed interface WithPayload extends Frame {
        /** The payload, or {@code null} where the frame has none. */
        Payload payload();
    }

    /** The callee's error, as sent in {@link Reply#error()} and relayed in {@link Error#data()}. */
    record ErrorBody(String code, String message, Payload data) {
    }

    /** A position in one topic's history: the last offset the client has, in the given epoch. */
    record Position(String topic, long offset, String epoch) {
    }

    /**
     * {@code since} lists where the client stands in the topics it wants recovered (empty: live only); for a
     * concrete topic it holds at most that topic. {@code filter} is the subscription's filter expression, or null.
     * A {@code durable} subscription is kept by the connection's resumable session across disconnects (see
     * {@link Session}).
     */
    record Sub(long id, String topic, java.util.List<Position> since, String filter, boolean durable,
               Payload presence, boolean presenceEvents) implements Command {
        public Sub {
            since = since == null ? java.util.List.of() : java.util.List.copyOf(since);
        }

        /**
         * A subscription without presence options. {@code presence} (with {@code presenceEvents}) is the client's
         * presence info, a JSON object or null, and whether it wants the topic's join/leave pushes.
         */
        public Sub(long id, String topic, java.util.List<Position> since, String filter, boolean durable) {
            this(id, topic, since, filter, durable, null, false);
        }

        public Sub(long id, String topic, java.util.List<Position> since) {
            this(id, topic, since, null, false);
        }

        public Sub(long id, String topic, java.util.List<Position> since, String filter) {
            this(id, topic, since, filter, false);
        }

        public Sub(long id, String topic, java.util.List<Position> since, boolean durable) {
            this(id, topic, since, null, durable);
        }

        public Sub(long id, String topic) {
            this(id, topic, java.util.List.of(), null, false);
        }

        public String type() {
            return "sub";
        }
    }

    /** Reads one topic's retained history: offsets after {@code after} (forward) or before {@code before} (reverse). */
    record History(long id, String topic, long after, long before, int limit, boolean reverse) implements Command {
        public String type() {
            return "history";
        }
    }

    record Unsub(long id, String topic) implements Command {
        public String type() {
            return "unsub";
        }
    }

    /**
     * {@code tags} are the publication's tags (empty when it has none); {@code pubId} is the client's publication
     * id (null: none), by which a retry of the same publication is recognised (docs/protocol.md, "pub").
     */
    record Pub(long id, String topic, Payload data, boolean ack, java.util.Map<String, String> tags, String pubId)
            implements Command, WithPayload {
        public Pub {
            tags = tags == null ? java.util.Map.of() : java.util.Map.copyOf(tags);
        }

        public Pub(long id, String topic, Payload data, boolean ack, java.util.Map<String, String> tags) {
            this(id, topic, data, ack, tags, null);
        }

        public Pub(long id, String topic, Payload data, boolean ack) {
            this(id, topic, data, ack, null, null);
        }

        public String type() {
            return "pub";
        }

        public Payload payload() {
            return data;
        }
    }

    /**
     * {@code timeoutMs} is 0 when the caller left it to the server's default; with {@code progress} the caller
     * takes {@link Progress} pushes before the call's outcome.
     */
    record Call(long id, String proc, Payload args, long timeoutMs, boolean progress) implements Command, WithPayload {
        public Call(long id, String proc, Payload args, long timeoutMs) {
            this(id, proc, args, timeoutMs, false);
        }

        public String type() {
            return "call";
        }

        public Payload payload() {
            return args;
        }
    }

    /** {@code invoke} is the policy among the procedure's callees ({@link InvokePolicy#DEFAULT} when not given). */
    record Register(long id, String proc, InvokePolicy invoke) implements Command {
        public Register {
            invoke = invoke == null ? InvokePolicy.DEFAULT : invoke;
        }

        public Register(long id, String proc) {
            this(id, proc, InvokePolicy.DEFAULT);
        }

        public String type() {
            return "register";
        }
    }

    record Unregister(long id, String proc) implements Command {
        public String type() {
            return "unregister";
        }
    }

    /**
     * Exactly one of {@code data} and {@code error} is non-null. With {@code progress} it is a progressive result
     * ({@code data}): the invocation stays in flight.
     */
    record Reply(long id, Payload data, ErrorBody error, boolean progress) implements Command, WithPayload {
        public Reply(long id, Payload data, ErrorBody error) {
            this(id, data, error, false);
        }

        public String type() {
            return "reply";
        }

        public Payload payload() {
            return data;
        }
    }

    /** Cancels the call this connection made with request id {@code id}. */
    record Cancel(long id, CancelMode mode) implements Command {
        public Cancel {
            mode = mode == null ? CancelMode.DEFAULT : mode;
        }

        public String type() {
            return "cancel";
        }
    }

    /**
     * Lists the registered procedures under {@code prefix} ({@code ""}: all) that this connection may call.
     */
    record Procedures(long id, String prefix) implements Command {
        public String type() {
            return "procedures";
        }
    }

    /** Lists the declared event classes this connection may subscribe to (docs/events.md). */
    record Events(long id) implements Command {
        public String type() {
            return "events";
        }
    }

    /** {@code prefix} is {@code ""} for the root of the topic tree. */
    record Index(long id, String prefix) implements Command {
        public String type() {
            return "index";
        }
    }

    /** Authenticates, or refreshes the token of, an open connection. */
    record Auth(long id, String token) implements Command {
        public String type() {
            return "auth";
        }

        @Override
        public String toString() {
            return "Auth[id=" + id + ", token=***]";
        }
    }

    /**
     * Asks for the connection's resumable session, or resumes the one {@code token} names ({@code null}: the one
     * of the upgrade's session cookie, if any). {@code since} optionally lowers the server's remembered positions
     * to what the client actually has.
     */
    record Session(long id, String token, java.util.List<Position> since) implements Command {
        public Session {
            since = since == null ? java.util.List.of() : java.util.List.copyOf(since);
        }

        public String type() {
            return "session";
        }

        @Override
        public String toString() {
            return "Session[id=" + id + ", token=" + (token == null ? "null" : "***") + ", since=" + since + "]";
        }
    }

    record Ping(long id) implements Command {
        public String type() {
            return "ping";
        }
    }

    /** {@code epoch} may be null (a server without history); {@code tags} are the publisher's (empty: none). */
    record Msg(String topic, long offset, String epoch, Payload data, java.util.Map<String, String> tags)
            implements Push, WithPayload {
        public Msg {
            tags = tags == null ? java.util.Map.of() : java.util.Map.copyOf(tags);
        }

        public Msg(String topic, long offset, String epoch, Payload data) {
            this(topic, offset, epoch, data, null);
        }

        public Msg(String topic, long offset, Payload data) {
            this(topic, offset, null, data, null);
        }

        public String type() {
            return "msg";
        }

        public Payload payload() {
            return data;
        }
    }

    /** {@code data} may be null (a bare acknowledgement). */
    record Result(long id, Payload data) implements Push, WithPayload {
        public String type() {
            return "result";
        }

        public Payload payload() {
            return data;
        }
    }

    /** {@code id} is 0 when the error cannot be tied to a command; {@code data} may be null. */
    record Error(long id, String code, String message, Payload data) implements Push {
        public String type() {
            return "error";
        }
    }

    /** With {@code progress} the caller takes progressive results: the callee may answer with them first. */
    record Invoke(long id, String proc, Payload args, boolean progress) implements Push, WithPayload {
        public Invoke(long id, String proc, Payload args) {
            this(id, proc, args, false);
        }

        public String type() {
            return "invoke";
        }

        public Payload payload() {
            return args;
        }
    }

    /** A progressive result of the call with request id {@code id}; its outcome follows. */
    record Progress(long id, Payload data) implements Push, WithPayload {
        public String type() {
            return "progress";
        }

        public Payload payload() {
            return data;
        }
    }

    /**
     * The caller of invocation {@code id} canceled it ({@code reason} {@code "cancel"}, in {@code mode}) or it
     * timed out ({@code "timeout"}, mode {@link CancelMode#KILLNOWAIT}): the callee should stop working on it.
     */
    record Interrupt(long id, CancelMode mode, String reason) implements Push {
        public String type() {
            return "interrupt";
        }
    }

    record Pong(long id) implements Push {
        public String type() {
            return "pong";
        }
    }

    record GoAway(String reason, long reconnectMs) implements Push {
        public String type() {
            return "goaway";
        }
    }

    /**
     * The server subscribed this connection to {@code topic} (a pattern), {@code server_sub}, or removed such a
     * subscription, {@code server_unsub} (docs/protocol.md, "Server-side subscriptions"); publications of it come as
     * {@code msg} like those of the client's own subscriptions.
     */
    record ServerSub(String topic, boolean subscribed) implements Push {
        public String type() {
            return subscribed ? "server_sub" : "server_unsub";
        }
    }

    /**
     * Reads the presence of one topic: the entries after {@code cursor} (null: from the start), at most
     * {@code limit} (0: the server's default).
     */
    record Presence(long id, String topic, String cursor, int limit) implements Command {
        public String type() {
            return "presence";
        }
    }

    // ---------------------------------------------------------------- state channels (docs/protocol.md §4.6)

    /**
     * Follows a state channel: a {@link StateSnapshot} first, then every change as a {@link StatePatch}. When the
     * client already holds {@code version} (at least 0) in {@code epoch}, only the patches after it are sent if
     * history still has them. {@code version} is -1 when the client holds nothing.
     */
    record StateSub(long id, String topic, long version, String epoch) implements Command {
        public StateSub(long id, String topic) {
            this(id, topic, -1, null);
        }

        public String type() {
            return "state_sub";
        }
    }

    /** Stops following a state channel. */
    record StateUnsub(long id, String topic) implements Command {
        public String type() {
            return "state_unsub";
        }
    }

    /** Reads a state channel's document and version once. */
    record StateGet(long id, String topic) implements Command {
        public String type() {
            return "state_get";
        }
    }

    /**
     * Joins and leaves of a topic's presence, coalesced: {@code joins} and {@code leaves} are JSON arrays of
     * entries; with {@code reset} both are empty and the client should read the presence again.
     */
    record PresenceDiff(String topic, Payload joins, Payload leaves, boolean reset) implements Push {
        public String type() {
            return "presence_diff";
        }
    }

    /**
     * Changes a state channel's document with exactly one of {@code merge} (an RFC 7386 JSON Merge Patch) and
     * {@code patch} (an RFC 6902 JSON Patch, an array of operations). {@code ifVersion} is -1 when the write is
     * unconditional; otherwise the write applies only when the document is still at that version.
     */
    record StateUpdate(long id, String topic, Payload merge, Payload patch, long ifVersion) implements Command {
        public String type() {
            return "state_update";
        }
    }

    /** A state channel's whole document at {@code version} ({@code epoch} may be null: never written). */
    record StateSnapshot(String topic, String epoch, long version, Payload data) implements Push {
        public String type() {
            return "state";
        }
    }

    /** One change of a state channel: the RFC 6902 JSON Patch {@code patch} turns version - 1 into version. */
    record StatePatch(String topic, String epoch, long version, Payload patch) implements Push {
        public String type() {
            return "state_patch";
        }
    }
}
