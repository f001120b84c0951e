package dev.ferry.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Encodes and decodes ferry.v1 messages (docs/protocol.md §2). Thread-safe; the decoder keeps one holder of a
 * frame's members per thread.
 *
 * <p>Payloads are captured as the raw bytes of their JSON value and written back verbatim: a publication is
 * never re-encoded on its way from publisher to subscribers.
 */
public final class FrameCodec {
    /** The separator between frames in a text message, and between header and payload in a binary one. */
    public static final byte LF = '\n';
    /** Largest request id: ids are JSON integers that survive a round trip through a JavaScript number. */
    public static final long MAX_ID = (1L << 53) - 1;
    /** Most tags on one publication. */
    public static final int MAX_TAGS = 32;
    /** Longest tag name, in characters; names match {@code [A-Za-z_][A-Za-z0-9_]*}. */
    public static final int MAX_TAG_NAME = 64;
    /** Longest tag value, in characters. */
    public static final int MAX_TAG_VALUE = 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256).build())
            .build();
    private static final JsonStringEncoder STRINGS = JsonStringEncoder.getInstance();
    private static final Payload EMPTY_ARRAY = Payload.json(new byte[] {'[', ']'});

    private FrameCodec() {
    }

    /** Receives the frames of one message, in order; a bad frame does not stop the ones after it. */
    public interface Sink {
        void frame(Frame frame);

        void error(ProtocolException error);
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes a text message: one or more LF-separated frames. */
    public static void decodeText(byte[] message, Sink sink) {
        decodeText(message, 0, message.length, sink);
    }

    /**
     * Decodes a text message held in {@code len} bytes of {@code buf} from {@code off}: one or more LF-separated
     * frames. The frames decoded keep no reference to {@code buf}, which the caller may reuse once this returns.
     */
    public static void decodeText(byte[] buf, int off, int len, Sink sink) {
        Objects.checkFromIndexSize(off, len, buf.length);
        int end = off + len;
        int start = off;
        for (int i = off; i <= end; i++) {
            if (i == end || buf[i] == LF) {
                if (hasContent(buf, start, i)) {
                    try {
                        sink.frame(decodeFrame(buf, start, i - start, null));
                    } catch (ProtocolException e) {
                        sink.error(e);
                    }
                }
                start = i + 1;
            }
        }
    }

    /** Decodes one frame from a text message known to hold exactly one. */
    public static Frame decodeText(String frame) throws ProtocolException {
        String fault = JsonText.unicodeFault(frame);
        if (fault != null) {
            // String.getBytes would put '?' in its place: refuse it as the bytes of such a frame are refused
            throw new ProtocolException(ErrorCode.BAD_FRAME, "a frame must be well-formed Unicode: " + fault, 0);
        }
        byte[] b = frame.getBytes(StandardCharsets.UTF_8);
        return decodeFrame(b, 0, b.length, null);
    }

    /**
     * Decodes one text frame with the full parser only, never the scanners ({@code pub}, {@code call} and
     * {@code reply}): what the scanners' answers are compared with (tests and fuzzing).
     */
    public static Frame decodeFull(byte[] buf, int off, int len) throws ProtocolException {
        String fault = JsonText.unicodeFault(buf, off, len);
        if (fault != null) {
            throw unicodeFault(buf, off, len, fault);
        }
        return decodeWellFormed(buf, off, len, null);
    }

    /**
     * The {@code pub} frame the scanner reads in these bytes without a parser, or null (see {@link PubScanner});
     * as in decoding, only for bytes that pass the well-formed Unicode check.
     */
    public static Frame scanPub(byte[] buf, int off, int len) {
        return JsonText.unicodeFault(buf, off, len) != null ? null : PubScanner.scan(buf, off, len);
    }

    /**
     * The {@code call} or {@code reply} frame the scanner reads in these bytes without a parser, or null (see
     * {@link CallScanner}); as in decoding, only for bytes that pass the well-formed Unicode check.
     */
    public static Frame scanCall(byte[] buf, int off, int len) {
        return JsonText.unicodeFault(buf, off, len) != null ? null : CallScanner.scan(buf, off, len);
    }

    /** Decodes a binary message: a JSON header, LF, then the payload bytes. */
    public static Frame decodeBinary(byte[] message) throws ProtocolException {
        int lf = indexOf(message, LF);
        if (lf < 0) {
            throw new ProtocolException(ErrorCode.BAD_FRAME,
                    "binary message has no LF between its JSON header and its payload", 0);
        }
        Payload payload = Payload.binary(Arrays.copyOfRange(message, lf + 1, message.length));
        return decodeFrame(message, 0, lf, payload);
    }

    private static boolean hasContent(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The frame being decoded on this thread. One holder per thread, emptied before each frame, instead of a new one
     * per frame (about a fifth of what a call through the server allocated): {@link #decodeFrame} calls out to no
     * other code while it fills it, and the frame it builds copies what it needs.
     */
    private static final ThreadLocal<Fields> FIELDS = ThreadLocal.withInitial(Fields::new);

    /** The members of one frame as read; which ones matter depends on the type. */
    static final class Fields {
        String type;
        long id;
        boolean idSeen;
        String topic;
        String proc;
        String prefix;
        Payload data;
        Payload args;
        boolean ack;
        long timeout;
        long offset;
        String code;
        String message;
        String reason;
        long reconnectMs;
        Frame.ErrorBody error;
        String epoch;
        java.util.List<Frame.Position> since;
        long after;
        long before;
        int limit;
        boolean reverse;
        String token;
        String filter;
        java.util.Map<String, String> tags;
        boolean durable;
        Payload presence;
        boolean presenceEvents;
        String cursor;
        Payload joins;
        Payload leaves;
        boolean reset;
        long version = -1;
        long ifVersion = -1;
        Payload merge;
        Payload patch;
        String pubId;
        boolean progress;
        String mode;
        String invoke;

        /** Back to what a new holder has (FrameCodecTest checks every field against one). */
        Fields clear() {
            type = null;
            id = 0;
            idSeen = false;
            topic = null;
            proc = null;
            prefix = null;
            data = null;
            args = null;
            ack = false;
            timeout = 0;
            offset = 0;
            code = null;
            message = null;
            reason = null;
            reconnectMs = 0;
            error = null;
            epoch = null;
            since = null;
            after = 0;
            before = 0;
            limit = 0;
            reverse = false;
            token = null;
            filter = null;
            tags = null;
            durable = false;
            presence = null;
            presenceEvents = false;
            cursor = null;
            joins = null;
            leaves = null;
            reset = false;
            version = -1;
            ifVersion = -1;
            merge = null;
            patch = null;
            pubId = null;
            progress = false;
            mode = null;
            invoke = null;
            return this;
        }
    }

    private static Frame decodeFrame(byte[] buf, int off, int len, Payload binary) throws ProtocolException {
        String fault = JsonText.unicodeFault(buf, off, len);
        if (fault != null) {
            throw unicodeFault(buf, off, len, fault);
        }
        if (binary == null) {
            Frame pub = PubScanner.scan(buf, off, len);
            if (pub != null) {
                return pub;
            }
            Frame call = CallScanner.scan(buf, off, len);
            if (call != null) {
                return call;
            }
        }
        try {
            return decodeWellFormed(buf, off, len, binary);
        } catch (ProtocolException e) {
            String type = FIELDS.get().type;
            if (e.type() != null || type == null) {
                throw e;
            }
            throw new ProtocolException(e.code(), e.getMessage(), e.id(), type);
        }
    }

    /**
     * The refusal of a frame that is not well-formed Unicode ({@link JsonText}): {@code bad_frame}, decided before
     * any member is used, so that nothing from it is stored, relayed or echoed. The frame is still read as far as
     * it goes for its id and type, so that the refusal is tied to its command (a refused {@code reply} settles its
     * call); a type that is itself ill-formed is left out.
     */
    private static ProtocolException unicodeFault(byte[] buf, int off, int len, String fault) {
        Fields f = FIELDS.get().clear();
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                readObject(p, buf, off, f);
            }
        } catch (IOException | ProtocolException | RuntimeException e) {
            // read as far as it goes: the frame is refused either way
        }
        String type = f.type != null && JsonText.unicodeFault(f.type) == null ? f.type : null;
        return new ProtocolException(ErrorCode.BAD_FRAME, "a frame must be well-formed Unicode: " + fault, f.id, type);
    }

    private static Frame decodeWellFormed(byte[] buf, int off, int len, Payload binary) throws ProtocolException {
        Fields f = FIELDS.get().clear();
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException(ErrorCode.BAD_FRAME, "a frame must be a JSON object", 0);
            }
            readObject(p, buf, off, f);
            if (p.nextToken() != null) {
                throw new ProtocolException(ErrorCode.BAD_FRAME,
                        "unexpected content after the frame's JSON object (frames are separated by LF)", f.id);
            }
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "malformed JSON: " + firstLine(e.getMessage()), f.id);
        }
        if (binary != null) {
            if (f.data != null || f.args != null) {
                throw new ProtocolException(ErrorCode.BAD_FRAME,
                        "a binary message's header must not contain the payload member", f.id);
            }
            f.data = binary;
            f.args = binary;
        }
        return build(f, binary != null);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable input";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static void readObject(JsonParser p, byte[] buf, int off, Fields f) throws IOException, ProtocolException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "type" -> f.type = string(p, t, name, f);
                case "id" -> {
                    f.id = id(p, t, f);
                    f.idSeen = true;
                }
                case "topic" -> f.topic = string(p, t, name, f);
                case "proc" -> f.proc = string(p, t, name, f);
                case "prefix" -> f.prefix = string(p, t, name, f);
                case "data" -> f.data = raw(p, buf, off);
                case "args" -> f.args = raw(p, buf, off);
                case "ack" -> f.ack = bool(p, t, name, f);
                case "timeout" -> f.timeout = timeout(p, t, f);
                case "offset" -> f.offset = integer(p, t, name, f);
                case "code" -> f.code = string(p, t, name, f);
                case "message" -> f.message = string(p, t, name, f);
                case "reason" -> f.reason = string(p, t, name, f);
                case "reconnect_ms" -> f.reconnectMs = integer(p, t, name, f);
                case "error" -> f.error = errorBody(p, t, buf, off, f);
                case "epoch" -> f.epoch = string(p, t, name, f);
                case "since" -> f.since = since(p, t, f);
                case "after" -> f.after = nonNegative(p, t, name, f);
                case "before" -> f.before = nonNegative(p, t, name, f);
                case "limit" -> f.limit = (int) Math.min(Integer.MAX_VALUE, nonNegative(p, t, name, f));
                case "reverse" -> f.reverse = bool(p, t, name, f);
                case "token" -> f.token = string(p, t, name, f);
                case "filter" -> f.filter = string(p, t, name, f);
                case "tags" -> f.tags = tags(p, t, f);
                case "durable" -> f.durable = bool(p, t, name, f);
                case "presence" -> f.presence = raw(p, buf, off);
                case "presence_events" -> f.presenceEvents = bool(p, t, name, f);
                case "cursor" -> f.cursor = string(p, t, name, f);
                case "joins" -> f.joins = raw(p, buf, off);
                case "leaves" -> f.leaves = raw(p, buf, off);
                case "reset" -> f.reset = bool(p, t, name, f);
                case "version" -> f.version = nonNegative(p, t, name, f);
                case "if_version" -> f.ifVersion = nonNegative(p, t, name, f);
                case "merge" -> f.merge = raw(p, buf, off);
                case "patch" -> f.patch = raw(p, buf, off);
                case "pub_id" -> f.pubId = pubId(p, t, f);
                case "progress" -> f.progress = bool(p, t, name, f);
                case "mode" -> f.mode = string(p, t, name, f);
                case "invoke" -> f.invoke = string(p, t, name, f);
                default -> p.skipChildren();
            }
        }
    }

    private static Payload raw(JsonParser p, byte[] buf, int off) throws IOException {
        int start = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        p.finishToken(); // scalars are read lazily: make the parser consume the whole value
        int end = (int) p.currentLocation().getByteOffset();
        return Payload.json(Arrays.copyOfRange(buf, off + start, off + end));
    }

    private static long nonNegative(JsonParser p, JsonToken t, String name, Fields f) throws IOException, ProtocolException {
        long v = integer(p, t, name, f);
        if (v < 0) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "member \"" + name + "\" must not be negative", f.id);
        }
        return v;
    }

    /**
     * {@code since}: one position {@code {"offset": n, "epoch": "e"}} (for the subscription's own topic) or an
     * array of positions {@code [{"topic": t, "offset": n, "epoch": "e"}, ...]}.
     */
    private static java.util.List<Frame.Position> since(JsonParser p, JsonToken t, Fields f) throws IOException, ProtocolException {
        java.util.List<Frame.Position> out = new java.util.ArrayList<>();
        if (t == JsonToken.START_OBJECT) {
            out.add(position(p, f, false));
        } else if (t == JsonToken.START_ARRAY) {
            while (p.nextToken() == JsonToken.START_OBJECT) {
                out.add(position(p, f, true));
            }
            if (p.currentToken() != JsonToken.END_ARRAY) {
                throw wrongType("since", "a position object or an array of them", f);
            }
        } else {
            throw wrongType("since", "a position object or an array of them", f);
        }
        return out;
    }

    private static Frame.Position position(JsonParser p, Fields f, boolean needsTopic) throws IOException, ProtocolException {
        String topic = null;
        String epoch = null;
        long offset = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "topic" -> topic = string(p, v, "since.topic", f);
                case "epoch" -> epoch = string(p, v, "since.epoch", f);
                case "offset" -> offset = nonNegative(p, v, "since.offset", f);
                default -> p.skipChildren();
            }
        }
        if (offset < 0) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, "a position in \"since\" requires \"offset\"", f.id);
        }
        if (needsTopic && topic == null) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD,
                    "a position in a \"since\" array requires \"topic\"", f.id);
        }
        return new Frame.Position(topic, offset, epoch == null ? "" : epoch);
    }

    /** {@code tags}: an object of at most {@link #MAX_TAGS} string members with names and values in bounds. */
    private static java.util.Map<String, String> tags(JsonParser p, JsonToken t, Fields f) throws IOException, ProtocolException {
        if (t != JsonToken.START_OBJECT) {
            throw badTags("\"tags\" must be an object of strings", f);
        }
        java.util.Map<String, String> out = new java.util.HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw badTags("tag \"" + name + "\" must be a string", f);
            }
            String why = checkTagName(name);
            if (why != null) {
                throw badTags(why, f);
            }
            String value = p.getText();
            if (value.length() > MAX_TAG_VALUE) {
                throw badTags("tag \"" + name + "\" is longer than " + MAX_TAG_VALUE + " characters", f);
            }
            out.put(name, value);
            if (out.size() > MAX_TAGS) {
                throw badTags("more than " + MAX_TAGS + " tags", f);
            }
        }
        return out;
    }

    /** Why {@code name} is not a valid tag name, or null. */
    public static String checkTagName(String name) {
        if (name.isEmpty() || name.length() > MAX_TAG_NAME) {
            return "tag name \"" + name + "\" must be 1 to " + MAX_TAG_NAME + " characters";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
            if (!letter && !(i > 0 && c >= '0' && c <= '9')) {
                return "tag name \"" + name + "\" must match [A-Za-z_][A-Za-z0-9_]*";
            }
        }
        return null;
    }

    private static ProtocolException badTags(String why, Fields f) {
        return new ProtocolException(ErrorCode.BAD_TAGS, why, f.id);
    }

    private static Frame.ErrorBody errorBody(JsonParser p, JsonToken t, byte[] buf, int off, Fields f)
            throws IOException, ProtocolException {
        if (t != JsonToken.START_OBJECT) {
            throw wrongType("error", "an object", f);
        }
        String code = null;
        String message = null;
        Payload data = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "code" -> code = string(p, v, "error.code", f);
                case "message" -> message = string(p, v, "error.message", f);
                case "data" -> data = raw(p, buf, off);
                default -> p.skipChildren();
            }
        }
        return new Frame.ErrorBody(code == null ? "error" : code, message == null ? "" : message, data);
    }

    private static String string(JsonParser p, JsonToken t, String name, Fields f) throws IOException, ProtocolException {
        if (t != JsonToken.VALUE_STRING) {
            throw wrongType(name, "a string", f);
        }
        return p.getText();
    }

    /** {@code pub_id}: a string of the grammar {@link PubIds#check} enforces. */
    private static String pubId(JsonParser p, JsonToken t, Fields f) throws IOException, ProtocolException {
        String id = string(p, t, "pub_id", f);
        String why = PubIds.check(id);
        if (why != null) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "pub_id: " + why, f.id);
        }
        return id;
    }

    private static boolean bool(JsonParser p, JsonToken t, String name, Fields f) throws ProtocolException {
        if (t == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (t == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw wrongType(name, "true or false", f);
    }

    private static long integer(JsonParser p, JsonToken t, String name, Fields f) throws IOException, ProtocolException {
        if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw wrongType(name, "an integer", f);
        }
        return p.getLongValue();
    }

    private static long id(JsonParser p, JsonToken t, Fields f) throws IOException, ProtocolException {
        long id = integer(p, t, "id", f);
        if (id < 1 || id > MAX_ID) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "id: " + id + " (expected: an integer in [1, 2^53-1])", 0);
        }
        return id;
    }

    private static long timeout(JsonParser p, JsonToken t, Fields f) throws IOException, ProtocolException {
        if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                || p.getLongValue() <= 0) {
            throw new ProtocolException(ErrorCode.BAD_TIMEOUT,
                    "timeout: " + p.getText() + " (expected: a positive integer of milliseconds)", f.id);
        }
        return p.getLongValue();
    }

    private static ProtocolException wrongType(String name, String expected, Fields f) {
        return new ProtocolException(ErrorCode.BAD_FRAME, "member \"" + name + "\" must be " + expected, f.id);
    }

    private static ProtocolException missing(String name, Fields f) {
        return new ProtocolException(ErrorCode.MISSING_FIELD,
                "\"" + f.type + "\" requires the member \"" + name + "\"", f.id);
    }

    private static Frame build(Fields f, boolean binary) throws ProtocolException {
        if (f.type == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_COMMAND, "frame has no \"type\" member", f.id);
        }
        switch (f.type) {
            case "sub": {
                requireId(f);
                String topic = require(f.topic, "topic", f);
                java.util.List<Frame.Position> since = f.since == null ? java.util.List.of() : f.since;
                if (since.size() == 1 && since.get(0).topic() == null) {
                    since = java.util.List.of(new Frame.Position(topic, since.get(0).offset(), since.get(0).epoch()));
                }
                return new Frame.Sub(f.id, topic, since, f.filter, f.durable, f.presence, f.presenceEvents);
            }
            case "history":
                requireId(f);
                return new Frame.History(f.id, require(f.topic, "topic", f), f.after, f.before, f.limit, f.reverse);
            case "unsub":
                requireId(f);
                return new Frame.Unsub(f.id, require(f.topic, "topic", f));
            case "pub":
                return new Frame.Pub(f.id, require(f.topic, "topic", f), require(f.data, "data", f), f.ack, f.tags,
                        f.pubId);
            case "call":
                requireId(f);
                return new Frame.Call(f.id, require(f.proc, "proc", f), f.args == null ? Payload.NULL : f.args,
                        f.timeout, f.progress);
            case "register":
                requireId(f);
                return new Frame.Register(f.id, require(f.proc, "proc", f), invokePolicy(f));
            case "unregister":
                requireId(f);
                return new Frame.Unregister(f.id, require(f.proc, "proc", f));
            case "reply":
                requireId(f);
                if (f.error != null && !binary) {
                    if (f.progress) {
                        throw new ProtocolException(ErrorCode.BAD_FRAME,
                                "a \"reply\" with \"progress\" carries \"data\", not \"error\"", f.id);
                    }
                    return new Frame.Reply(f.id, null, f.error);
                }
                return new Frame.Reply(f.id, require(f.data, "data\" or \"error", f), null, f.progress);
            case "cancel":
                requireId(f);
                return new Frame.Cancel(f.id, cancelMode(f));
            case "procedures":
                requireId(f);
                return new Frame.Procedures(f.id, f.prefix == null ? "" : f.prefix);
            case "ping":
                requireId(f);
                return new Frame.Ping(f.id);
            case "events":
                requireId(f);
                return new Frame.Events(f.id);
            case "index":
                requireId(f);
                return new Frame.Index(f.id, f.prefix == null ? "" : f.prefix);
            case "session":
                requireId(f);
                if (f.since != null && f.since.stream().anyMatch(pos -> pos.topic() == null)) {
                    // a session spans topics: its positions name theirs (the one-position form is for a sub)
                    throw new ProtocolException(ErrorCode.MISSING_FIELD,
                            "a position in the \"since\" of a \"session\" requires \"topic\"", f.id);
                }
                return new Frame.Session(f.id, f.token, f.since);
            case "auth":
                requireId(f);
                return new Frame.Auth(f.id, require(f.token, "token", f));
            case "msg":
                return new Frame.Msg(require(f.topic, "topic", f), f.offset, f.epoch, require(f.data, "data", f), f.tags);
            case "result":
                requireId(f);
                return new Frame.Result(f.id, f.data);
            case "error":
                return new Frame.Error(f.id, require(f.code, "code", f), f.message == null ? "" : f.message, f.data);
            case "invoke":
                requireId(f);
                return new Frame.Invoke(f.id, require(f.proc, "proc", f), f.args == null ? Payload.NULL : f.args,
                        f.progress);
            case "progress":
                requireId(f);
                return new Frame.Progress(f.id, require(f.data, "data", f));
            case "interrupt":
                requireId(f);
                return new Frame.Interrupt(f.id, cancelMode(f), f.reason == null ? "cancel" : f.reason);
            case "pong":
                requireId(f);
                return new Frame.Pong(f.id);
            case "goaway":
                return new Frame.GoAway(f.reason == null ? "" : f.reason, f.reconnectMs);
            case "server_sub":
                return new Frame.ServerSub(require(f.topic, "topic", f), true);
            case "server_unsub":
                return new Frame.ServerSub(require(f.topic, "topic", f), false);
            case "presence":
                requireId(f);
                return new Frame.Presence(f.id, require(f.topic, "topic", f), f.cursor, f.limit);
            case "presence_diff":
                return new Frame.PresenceDiff(require(f.topic, "topic", f), f.joins == null ? EMPTY_ARRAY : f.joins,
                        f.leaves == null ? EMPTY_ARRAY : f.leaves, f.reset);
            case "state_sub":
                requireId(f);
                return new Frame.StateSub(f.id, require(f.topic, "topic", f), f.version, f.epoch);
            case "state_unsub":
                requireId(f);
                return new Frame.StateUnsub(f.id, require(f.topic, "topic", f));
            case "state_get":
                requireId(f);
                return new Frame.StateGet(f.id, require(f.topic, "topic", f));
            case "state_update":
                requireId(f);
                if (binary) {
                    throw new ProtocolException(ErrorCode.BAD_FRAME, "\"state_update\" travels as a text message", f.id);
                }
                if ((f.merge == null) == (f.patch == null)) {
                    throw new ProtocolException(ErrorCode.MISSING_FIELD,
                            "\"state_update\" requires exactly one of the members \"merge\" and \"patch\"", f.id);
                }
                return new Frame.StateUpdate(f.id, require(f.topic, "topic", f), f.merge, f.patch, f.ifVersion);
            case "state":
                return new Frame.StateSnapshot(require(f.topic, "topic", f), f.epoch, Math.max(0, f.version),
                        require(f.data, "data", f));
            case "state_patch":
                return new Frame.StatePatch(require(f.topic, "topic", f), f.epoch, Math.max(0, f.version),
                        require(f.patch, "patch", f));
            default:
                throw new ProtocolException(ErrorCode.UNKNOWN_COMMAND, "unknown frame type \"" + f.type + "\"", f.id);
        }
    }

    /** {@code invoke} of a {@code register}: one of {@link InvokePolicy}'s names, or absent for the default. */
    private static InvokePolicy invokePolicy(Fields f) throws ProtocolException {
        if (f.invoke == null) {
            return InvokePolicy.DEFAULT;
        }
        InvokePolicy policy = InvokePolicy.fromWire(f.invoke);
        if (policy == null) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "invoke: \"" + f.invoke
                    + "\" (expected: single, roundrobin, random, first or last)", f.id);
        }
        return policy;
    }

    /** {@code mode} of a {@code cancel} or {@code interrupt}: one of {@link CancelMode}'s names, or absent. */
    private static CancelMode cancelMode(Fields f) throws ProtocolException {
        if (f.mode == null) {
            return CancelMode.DEFAULT;
        }
        CancelMode mode = CancelMode.fromWire(f.mode);
        if (mode == null) {
            throw new ProtocolException(ErrorCode.BAD_FRAME,
                    "mode: \"" + f.mode + "\" (expected: skip, kill or killnowait)", f.id);
        }
        return mode;
    }

    private static void requireId(Fields f) throws ProtocolException {
        if (!f.idSeen) {
            throw missing("id", f);
        }
    }

    private static <T> T require(T value, String name, Fields f) throws ProtocolException {
        if (value == null) {
            throw missing(name, f);
        }
        return value;
    }

    // ---------------------------------------------------------------- encoding

    /** Whether {@code frame} must travel as a binary message. */
    public static boolean isBinary(Frame frame) {
        return frame instanceof Frame.WithPayload w && w.payload() != null && w.payload().isBinary();
    }

    /**
     * Encodes one frame: the compact JSON object for a text message, or header + LF + payload for a binary one
     * (see {@link #isBinary}).
     */
    public static byte[] encode(Frame frame) {
        return encode(frame, new Writer(initialSize(frame))).toByteArray();
    }

    /**
     * Encodes one frame, as {@link #encode(Frame)} does, into {@code into} (emptied first), and returns it: its
     * first {@link Writer#length()} bytes of {@link Writer#array()} are the encoded frame, until it is used again.
     * For a caller that copies the bytes out at once (into a socket's buffer) and keeps one writer per thread.
     */
    public static Writer encode(Frame frame, Writer into) {
        Writer w = into.reset();
        w.raw("{\"type\":\"").raw(frame.type()).raw("\"");
        Payload payload = null;
        String payloadName = "data";
        if (frame instanceof Frame.Sub s) {
            w.id(s.id()).str("topic", s.topic());
            positions(w, s.since());
            if (s.durable()) {
                w.raw(",\"durable\":true");
            }
            if (s.filter() != null) {
                w.str("filter", s.filter());
            }
            if (s.presence() != null) {
                w.raw(",\"presence\":").bytes(s.presence().bytes());
            }
            if (s.presenceEvents()) {
                w.raw(",\"presence_events\":true");
            }
        } else if (frame instanceof Frame.Session s) {
            w.id(s.id());
            if (s.token() != null) {
                w.str("token", s.token());
            }
            positions(w, s.since());
        } else if (frame instanceof Frame.History h) {
            w.id(h.id()).str("topic", h.topic());
            if (h.after() > 0) {
                w.num("after", h.after());
            }
            if (h.before() > 0) {
                w.num("before", h.before());
            }
            if (h.limit() > 0) {
                w.num("limit", h.limit());
            }
            if (h.reverse()) {
                w.raw(",\"reverse\":true");
            }
        } else if (frame instanceof Frame.Unsub s) {
            w.id(s.id()).str("topic", s.topic());
        } else if (frame instanceof Frame.Pub s) {
            w.id(s.id()).str("topic", s.topic());
            if (s.ack()) {
                w.raw(",\"ack\":true");
            }
            if (s.pubId() != null) {
                w.str("pub_id", s.pubId());
            }
            w.tags(s.tags());
            payload = s.data();
        } else if (frame instanceof Frame.Call c) {
            w.id(c.id()).str("proc", c.proc());
            if (c.timeoutMs() > 0) {
                w.num("timeout", c.timeoutMs());
            }
            if (c.progress()) {
                w.raw(",\"progress\":true");
            }
            payload = c.args();
            payloadName = "args";
        } else if (frame instanceof Frame.Register r) {
            w.id(r.id()).str("proc", r.proc());
            if (r.invoke() != InvokePolicy.DEFAULT) {
                w.str("invoke", r.invoke().wire());
            }
        } else if (frame instanceof Frame.Unregister r) {
            w.id(r.id()).str("proc", r.proc());
        } else if (frame instanceof Frame.Reply r) {
            w.id(r.id());
            if (r.error() != null) {
                w.raw(",\"error\":{\"code\":").quoted(r.error().code()).raw(",\"message\":").quoted(r.error().message());
                if (r.error().data() != null) {
                    w.raw(",\"data\":").bytes(r.error().data().bytes());
                }
                w.raw("}");
            }
            if (r.progress()) {
                w.raw(",\"progress\":true");
            }
            payload = r.data();
        } else if (frame instanceof Frame.Cancel c) {
            w.id(c.id()).str("mode", c.mode().wire());
        } else if (frame instanceof Frame.Procedures x) {
            w.id(x.id()).str("prefix", x.prefix());
        } else if (frame instanceof Frame.Index x) {
            w.id(x.id()).str("prefix", x.prefix());
        } else if (frame instanceof Frame.Events x) {
            w.id(x.id());
        } else if (frame instanceof Frame.Ping p) {
            w.id(p.id());
        } else if (frame instanceof Frame.Auth a) {
            w.id(a.id()).str("token", a.token());
        } else if (frame instanceof Frame.Msg m) {
            w.str("topic", m.topic()).num("offset", m.offset());
            if (m.epoch() != null) {
                w.str("epoch", m.epoch());
            }
            w.tags(m.tags());
            payload = m.data();
        } else if (frame instanceof Frame.Result r) {
            w.id(r.id());
            payload = r.data();
        } else if (frame instanceof Frame.Error e) {
            w.id(e.id()).str("code", e.code()).str("message", e.message());
            if (e.data() != null) {
                w.raw(",\"data\":").bytes(e.data().bytes());
            }
        } else if (frame instanceof Frame.Invoke i) {
            w.id(i.id()).str("proc", i.proc());
            if (i.progress()) {
                w.raw(",\"progress\":true");
            }
            payload = i.args();
            payloadName = "args";
        } else if (frame instanceof Frame.Progress g) {
            w.id(g.id());
            payload = g.data();
        } else if (frame instanceof Frame.Interrupt i) {
            w.id(i.id()).str("mode", i.mode().wire()).str("reason", i.reason());
        } else if (frame instanceof Frame.Pong p) {
            w.id(p.id());
        } else if (frame instanceof Frame.GoAway g) {
            w.str("reason", g.reason()).num("reconnect_ms", g.reconnectMs());
        } else if (frame instanceof Frame.ServerSub s) {
            w.str("topic", s.topic());
        } else if (frame instanceof Frame.Presence q) {
            w.id(q.id()).str("topic", q.topic());
            if (q.cursor() != null) {
                w.str("cursor", q.cursor());
            }
            if (q.limit() > 0) {
                w.num("limit", q.limit());
            }
        } else if (frame instanceof Frame.PresenceDiff d) {
            w.str("topic", d.topic());
            w.raw(",\"joins\":").bytes(d.joins().bytes()).raw(",\"leaves\":").bytes(d.leaves().bytes());
            if (d.reset()) {
                w.raw(",\"reset\":true");
            }
        } else if (frame instanceof Frame.StateSub s) {
            w.id(s.id()).str("topic", s.topic());
            if (s.version() >= 0) {
                w.num("version", s.version());
                if (s.epoch() != null) {
                    w.str("epoch", s.epoch());
                }
            }
        } else if (frame instanceof Frame.StateUnsub s) {
            w.id(s.id()).str("topic", s.topic());
        } else if (frame instanceof Frame.StateGet s) {
            w.id(s.id()).str("topic", s.topic());
        } else if (frame instanceof Frame.StateUpdate s) {
            w.id(s.id()).str("topic", s.topic());
            if (s.ifVersion() >= 0) {
                w.num("if_version", s.ifVersion());
            }
            if (s.merge() != null) {
                w.raw(",\"merge\":").bytes(s.merge().bytes());
            }
            if (s.patch() != null) {
                w.raw(",\"patch\":").bytes(s.patch().bytes());
            }
        } else if (frame instanceof Frame.StateSnapshot s) {
            w.str("topic", s.topic());
            if (s.epoch() != null) {
                w.str("epoch", s.epoch());
            }
            w.num("version", s.version());
            payload = s.data();
        } else if (frame instanceof Frame.StatePatch s) {
            w.str("topic", s.topic());
            if (s.epoch() != null) {
                w.str("epoch", s.epoch());
            }
            w.num("version", s.version()).raw(",\"patch\":").bytes(s.patch().bytes());
        }
        if (payload != null && payload.isBinary()) {
            w.raw("}").write(LF);
            w.bytes(payload.bytes());
        } else {
            if (payload != null) {
                w.raw(",\"").raw(payloadName).raw("\":").bytes(payload.bytes());
            }
            w.raw("}");
        }
        return w;
    }

    private static void positions(Writer w, java.util.List<Frame.Position> since) {
        if (!since.isEmpty()) {
            w.raw(",\"since\":[");
            for (int i = 0; i < since.size(); i++) {
                Frame.Position pos = since.get(i);
                w.raw(i == 0 ? "{" : ",{").raw("\"topic\":").quoted(pos.topic()).num("offset", pos.offset())
                        .str("epoch", pos.epoch()).raw("}");
            }
            w.raw("]");
        }
    }

    /**
     * Encodes a string as a JSON string literal (with quotes), in UTF-8. A string holding a lone UTF-16 surrogate
     * has no UTF-8 encoding: IllegalArgumentException, so that the one frame or response being written fails
     * instead of going out altered. The decoders refuse such strings (see {@link JsonText}), so none should get here.
     */
    public static byte[] quote(String s) {
        String fault = JsonText.unicodeFault(s);
        if (fault != null) {
            throw new IllegalArgumentException("cannot encode a string holding a " + fault);
        }
        byte[] escaped = STRINGS.quoteAsUTF8(s);
        byte[] out = new byte[escaped.length + 2];
        out[0] = '"';
        System.arraycopy(escaped, 0, out, 1, escaped.length);
        out[out.length - 1] = '"';
        return out;
    }

    /** Room for the whole frame in the common cases, so that the encoder's buffer does not grow as it writes. */
    private static int initialSize(Frame frame) {
        if (frame instanceof Frame.Msg m) {
            // {"type":"msg","topic":"…","offset":…,"epoch":"…","data":…} plus a little for tags (which may grow it)
            return 64 + m.topic().length() + (m.epoch() == null ? 0 : m.epoch().length()) + (m.data() == null ? 0 : m.data().length())
                    + (m.tags().isEmpty() ? 0 : 64);
        }
        return frame instanceof Frame.WithPayload p && p.payload() != null ? p.payload().length() + 96 : 96;
    }

    /**
     * The encoder's buffer: a plain growable byte array (a {@code ByteArrayOutputStream} synchronizes every byte it
     * is given, which made encoding a {@code msg} several times slower). One thread at a time; see
     * {@link #encode(Frame, Writer)}.
     */
    public static final class Writer {
        private static final int DEFAULT_SIZE = 256;

        private byte[] buf;
        private int len;

        /** An empty writer, which grows as frames need. */
        public Writer() {
            this(DEFAULT_SIZE);
        }

        Writer(int size) {
            buf = new byte[size];
        }

        /** The bytes written: the first {@link #length()} of them. */
        public byte[] array() {
            return buf;
        }

        public int length() {
            return len;
        }

        /** Bytes this writer holds on to between uses (it keeps the largest array it ever needed). */
        public int capacity() {
            return buf.length;
        }

        private Writer reset() {
            len = 0;
            return this;
        }

        private void room(int more) {
            if (len + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
            }
        }

        Writer write(byte b) {
            room(1);
            buf[len++] = b;
            return this;
        }

        Writer raw(String ascii) {
            int n = ascii.length();
            room(n);
            for (int i = 0; i < n; i++) {
                buf[len++] = (byte) ascii.charAt(i);
            }
            return this;
        }

        Writer bytes(byte[] b) {
            room(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            return this;
        }

        /** A JSON string literal; printable ASCII without quote or backslash (topics, ids, epochs) is copied as is. */
        Writer quoted(String s) {
            int n = s.length();
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
                    return bytes(quote(s));
                }
            }
            room(n + 2);
            buf[len++] = '"';
            for (int i = 0; i < n; i++) {
                buf[len++] = (byte) s.charAt(i);
            }
            buf[len++] = '"';
            return this;
        }

        byte[] toByteArray() {
            return len == buf.length ? buf : Arrays.copyOf(buf, len);
        }

        Writer id(long id) {
            return id == 0 ? this : num("id", id);
        }

        Writer num(String name, long v) {
            return raw(",\"").raw(name).raw("\":").digits(v);
        }

        /** {@code v} in decimal, as {@link Long#toString(long)} writes it, without making the string. */
        private Writer digits(long v) {
            if (v == Long.MIN_VALUE) {
                return raw(Long.toString(v));
            }
            if (v < 0) {
                write((byte) '-');
                v = -v;
            }
            int n = 1;
            for (long rest = v / 10; rest != 0; rest /= 10) {
                n++;
            }
            room(n);
            for (int i = len + n - 1; i >= len; i--) {
                buf[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
            len += n;
            return this;
        }

        Writer str(String name, String v) {
            return raw(",\"").raw(name).raw("\":").quoted(v);
        }

        Writer tags(java.util.Map<String, String> tags) {
            if (tags.isEmpty()) {
                return this;
            }
            raw(",\"tags\":{");
            boolean first = true;
            for (java.util.Map.Entry<String, String> e : new java.util.TreeMap<>(tags).entrySet()) {
                raw(first ? "" : ",").quoted(e.getKey()).raw(":").quoted(e.getValue());
                first = false;
            }
            return raw("}");
        }
    }
}
