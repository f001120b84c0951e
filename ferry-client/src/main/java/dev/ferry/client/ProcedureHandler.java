package dev.ferry.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Answers calls to a registered procedure. Called on the client's dispatch thread with the call's arguments
 * (a {@link com.fasterxml.jackson.databind.node.BinaryNode} when they were sent as binary).
 *
 * <p>The return value is the result: a {@link JsonNode}, a {@code byte[]} (sent as a binary reply), {@code null},
 * any object Jackson can serialize, or a {@link java.util.concurrent.CompletionStage} of one of these for an
 * asynchronous answer. Throwing (or failing the stage) replies with an error: a {@link FerryException} supplies
 * the code, message and data; any other exception replies with code {@code error} and its message.
 */
@FunctionalInterface
public interface ProcedureHandler {
    Object handle(JsonNode args) throws Exception;
}
