package dev.ferry.server.store;

/** One join or leave of a topic's presence. A changed entry (new info) is a leave of the old one, then a join. */
public record PresenceChange(boolean join, PresenceEntry entry) {
    public static PresenceChange join(PresenceEntry e) {
        return new PresenceChange(true, e);
    }

    public static PresenceChange leave(PresenceEntry e) {
        return new PresenceChange(false, e);
    }
}
