package dev.ferry.rabbitmq;

/** Which way a bridge carries messages. */
public enum Direction {
    /** Exchange to Ferry topics. */
    IN,
    /** Ferry topics to exchange. */
    OUT,
    /** Both. */
    BOTH;

    public boolean inbound() {
        return this != OUT;
    }

    public boolean outbound() {
        return this != IN;
    }
}
