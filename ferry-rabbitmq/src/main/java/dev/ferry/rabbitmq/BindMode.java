package dev.ferry.rabbitmq;

/** Which routing keys an inbound bridge binds its queue with. */
public enum BindMode {
    /** Only what Ferry clients subscribe to, reference-counted: bound on the first subscription, unbound after the last. */
    INTEREST,
    /** Every configured pattern, for as long as the bridge runs. */
    FIXED
}
