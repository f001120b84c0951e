package dev.ferry.client;

/**
 * Receives the publications of one subscription. Called on the client's dispatch thread, one message at a time and
 * in offset order per topic. A handler that throws is logged and keeps its subscription. A slow handler holds up
 * every subscription of the client; the client stops reading from the socket while too many messages wait.
 */
@FunctionalInterface
public interface MessageHandler {
    void onMessage(Message message) throws Exception;
}
