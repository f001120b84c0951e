package dev.ferry.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A {@link ProcedureHandler} that also gets its {@link Invocation}, to send progressive results and to hear of a
 * cancel. Called on the client's dispatch thread; the return value and exceptions mean what they mean for a
 * {@link ProcedureHandler}.
 */
@FunctionalInterface
public interface ProgressiveProcedureHandler {
    Object handle(JsonNode args, Invocation invocation) throws Exception;
}
