package dev.ferry.server.wamp;

import dev.ferry.protocol.ErrorCode;

/**
 * The WAMP error URIs Ferry sends, and the WAMP equivalent of every ferry.v1 error code (docs/wamp.md, "Errors"):
 * a code with a standard WAMP meaning maps to its {@code wamp.error.*} URI, every other code {@code c} to
 * {@code ferry.error.c}.
 */
public final class WampErrors {
    public static final String PROTOCOL_VIOLATION = "wamp.error.protocol_violation";
    public static final String NO_SUCH_REALM = "wamp.error.no_such_realm";
    public static final String NOT_AUTHORIZED = "wamp.error.not_authorized";
    public static final String AUTHENTICATION_FAILED = "wamp.error.authentication_failed";
    public static final String NO_AUTH_METHOD = "wamp.error.no_auth_method";
    public static final String INVALID_URI = "wamp.error.invalid_uri";
    public static final String INVALID_ARGUMENT = "wamp.error.invalid_argument";
    public static final String NO_SUCH_PROCEDURE = "wamp.error.no_such_procedure";
    public static final String PROCEDURE_ALREADY_EXISTS = "wamp.error.procedure_already_exists";
    public static final String NO_SUCH_REGISTRATION = "wamp.error.no_such_registration";
    public static final String NO_SUCH_SUBSCRIPTION = "wamp.error.no_such_subscription";
    public static final String NO_SUCH_SESSION = "wamp.error.no_such_session";
    public static final String TIMEOUT = "wamp.error.timeout";
    public static final String CANCELED = "wamp.error.canceled";
    public static final String SYSTEM_SHUTDOWN = "wamp.close.system_shutdown";
    public static final String GOODBYE_AND_OUT = "wamp.close.goodbye_and_out";
    public static final String CLOSE_REALM = "wamp.close.close_realm";
    /** The default reason of the GOODBYE a session killed by {@code wamp.session.kill*} gets. */
    public static final String KILLED = "wamp.close.killed";
    /** The reason of the GOODBYE that ends a session whose identity expired without a refresh (then close 4005). */
    public static final String TOKEN_EXPIRED = "ferry.close.token_expired";
    /** The prefix of the URIs of ferry.v1 codes without a standard WAMP equivalent. */
    public static final String FERRY_PREFIX = "ferry.error.";

    private WampErrors() {
    }

    /** The WAMP error URI of a ferry.v1 error code. */
    public static String uri(ErrorCode code) {
        return switch (code) {
            case FORBIDDEN -> NOT_AUTHORIZED;
            case UNAUTHORIZED -> AUTHENTICATION_FAILED;
            case BAD_TOPIC, BAD_PROCEDURE -> INVALID_URI;
            case NO_SUCH_PROCEDURE -> NO_SUCH_PROCEDURE;
            case NOT_REGISTERED -> NO_SUCH_REGISTRATION;
            case NOT_SUBSCRIBED -> NO_SUCH_SUBSCRIPTION;
            case CALL_TIMEOUT -> TIMEOUT;
            case CANCELED -> CANCELED;
            case BAD_TIMEOUT, INVALID_PAYLOAD -> INVALID_ARGUMENT;
            case PROCEDURE_EXISTS -> PROCEDURE_ALREADY_EXISTS;
            case BAD_FRAME, UNKNOWN_COMMAND, MISSING_FIELD -> PROTOCOL_VIOLATION;
            default -> FERRY_PREFIX + code.wire();
        };
    }
}
