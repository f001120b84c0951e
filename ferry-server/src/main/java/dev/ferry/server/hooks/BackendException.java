package dev.ferry.server.hooks;

/** A call to a backend that got no answer; {@link #outcome()} says why (never {@link HookOutcome#OK}). */
public final class BackendException extends Exception {
    private final HookOutcome outcome;

    public BackendException(HookOutcome outcome, String message, Throwable cause) {
        super(message, cause, false, false);
        this.outcome = outcome;
    }

    public HookOutcome outcome() {
        return outcome;
    }
}
