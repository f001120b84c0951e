package dev.ferry.server.connection;

import org.slf4j.MDC;

/**
 * The MDC of a log line about one connection: {@value #CONNECTION} (its id in the server API) and
 * {@value #IDENTITY} (who it acts as, {@link dev.ferry.server.auth.Identity#describe()}), so that a line can be
 * followed from the admin console to a log system (with {@code --log-format json} they are in each line's
 * {@code mdc}). Set for the duration of a log call, on the thread making it:
 *
 * <pre>{@code try (ConnectionLog.Scope s = ConnectionLog.about(connection)) { log.info(...); }}</pre>
 */
public final class ConnectionLog {
    public static final String CONNECTION = "connection";
    public static final String IDENTITY = "identity";

    private ConnectionLog() {
    }

    /** Puts {@code c}'s id and identity in the MDC until the scope closes. */
    public static Scope about(Connection c) {
        MDC.put(CONNECTION, c.id());
        MDC.put(IDENTITY, c.identity().describe());
        return new Scope();
    }

    /** Removes what {@link #about} put. */
    public static final class Scope implements AutoCloseable {
        private Scope() {
        }

        @Override
        public void close() {
            MDC.remove(CONNECTION);
            MDC.remove(IDENTITY);
        }
    }
}
