package dev.ferry.server.presence;

import dev.ferry.server.store.PresenceEntry;
import dev.ferry.server.store.PresenceChange;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The changes of one topic's presence within one coalescing window, per connection: what the connection was at
 * the window's start and what it is now. Only the difference is pushed: a connection that joined and left within
 * the window is not mentioned, one that left and came back with the same entry neither, and one whose entry
 * changed appears as a leave of the old and a join of the new. More than {@code maxDiff} connections changed
 * within one window make it a {@code reset} (the client reads the presence again), so a window holds at most
 * {@code maxDiff} + 1 of them whatever the storm. Confined to the presence thread.
 */
final class TopicDiff {
    private final int maxDiff;
    private final Map<String, Change> changes = new LinkedHashMap<>();
    private boolean reset;

    /** {@code before}: the entry at the window's start (null: absent); {@code after}: the entry now. */
    private static final class Change {
        PresenceEntry before;
        PresenceEntry after;
    }

    TopicDiff(int maxDiff) {
        this.maxDiff = maxDiff;
    }

    void add(PresenceChange c) {
        if (reset) {
            return;
        }
        Change ch = changes.get(c.entry().conn());
        if (ch == null) {
            ch = new Change();
            ch.before = c.join() ? null : c.entry();
            changes.put(c.entry().conn(), ch);
            if (changes.size() > maxDiff) {
                reset = true;
                changes.clear();
                return;
            }
        }
        ch.after = c.join() ? c.entry() : null;
    }

    /** Turns the window into a {@code reset}: what changed is no longer known. */
    void reset() {
        reset = true;
        changes.clear();
    }

    /** The push for this window, or null when the changes cancel out. */
    Frame.PresenceDiff toFrame(String topic) {
        if (reset) {
            return new Frame.PresenceDiff(topic, EMPTY, EMPTY, true);
        }
        ByteArrayOutputStream joins = new ByteArrayOutputStream();
        ByteArrayOutputStream leaves = new ByteArrayOutputStream();
        for (Change c : changes.values()) {
            if (Objects.equals(c.before, c.after)) {
                continue;
            }
            if (c.before != null) {
                append(leaves, c.before);
            }
            if (c.after != null) {
                append(joins, c.after);
            }
        }
        if (joins.size() == 0 && leaves.size() == 0) {
            return null;
        }
        return new Frame.PresenceDiff(topic, array(joins), array(leaves), false);
    }

    private static final Payload EMPTY = Payload.json(new byte[] {'[', ']'});

    private static void append(ByteArrayOutputStream out, PresenceEntry e) {
        out.write(out.size() == 0 ? '[' : ',');
        out.writeBytes(e.json());
    }

    private static Payload array(ByteArrayOutputStream out) {
        if (out.size() == 0) {
            return EMPTY;
        }
        out.write(']');
        return Payload.json(out.toByteArray());
    }
}
