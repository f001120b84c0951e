package dev.ferry.client;

import java.util.Objects;

/**
 * How {@link FerryClient#subscribe(String, MessageHandler, SubscribeOptions)} subscribes: durably, with a filter,
 * with presence. Immutable; start from {@link #defaults()}.
 *
 * @param durable kept by the server's session across disconnects (docs/protocol.md §4.5)
 * @param filter a filter expression the server evaluates before delivery (docs/protocol.md §4.4), or null. It
 *     belongs to the pattern: every handler of the pattern sees what it lets through, and subscribing again to the
 *     pattern replaces it (a subscription without one removes it)
 * @param presenceInfo listed with this connection in the topic's presence (§4.7), or null
 * @param presenceListener hears the topic's joins and leaves (§4.7), or null
 */
public record SubscribeOptions(boolean durable, String filter, Object presenceInfo, Presence.Listener presenceListener) {
    private static final SubscribeOptions DEFAULTS = new SubscribeOptions(false, null, null, null);

    public static SubscribeOptions defaults() {
        return DEFAULTS;
    }

    public SubscribeOptions durable(boolean on) {
        return new SubscribeOptions(on, filter, presenceInfo, presenceListener);
    }

    public SubscribeOptions filter(String expression) {
        return new SubscribeOptions(durable, Objects.requireNonNull(expression, "expression"), presenceInfo, presenceListener);
    }

    public SubscribeOptions presence(Object info, Presence.Listener listener) {
        return new SubscribeOptions(durable, filter, info, listener);
    }
}
