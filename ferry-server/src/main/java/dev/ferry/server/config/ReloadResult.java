package dev.ferry.server.config;

import java.util.List;
import java.util.Locale;

/**
 * What a configuration reload did (docs/operations.md, "Reloading the configuration").
 *
 * @param result {@link Result#APPLIED} (every change was taken, or nothing changed), {@link Result#RESTART_NEEDED}
 *     (the live changes were taken; {@code restartNeeded} lists those that only a restart applies) or
 *     {@link Result#REJECTED} (the new configuration is invalid: nothing changed, {@code error} says why)
 * @param version the version of the configuration running after it: 1 at start, one more for each reload that
 *     took a change
 * @param changed the settings the new configuration changes (empty when rejected)
 * @param restartNeeded those of {@code changed} that only a restart applies
 * @param error why the new configuration was refused, with the message a start would give; null otherwise
 */
public record ReloadResult(Result result, long version, List<String> changed, List<String> restartNeeded,
                           String error) {
    /** The outcome of one reload, as the {@code result} label of {@code ferry_config_reload_total}. */
    public enum Result {
        APPLIED, RESTART_NEEDED, REJECTED;

        /** {@code applied}, {@code restart_needed} or {@code rejected}. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ReloadResult {
        changed = List.copyOf(changed);
        restartNeeded = List.copyOf(restartNeeded);
    }

    /** A refused configuration: {@code error} is the message, the running configuration stays at {@code version}. */
    public static ReloadResult rejected(long version, String error) {
        return new ReloadResult(Result.REJECTED, version, List.of(), List.of(), error);
    }

    /** One line for logs and the CLI. */
    public String describe() {
        return switch (result) {
            case REJECTED -> "configuration rejected, the running one (version " + version + ") stays: " + error;
            case APPLIED -> changed.isEmpty() ? "configuration unchanged (version " + version + ")"
                    : "configuration version " + version + " applied; changed: " + String.join(", ", changed);
            case RESTART_NEEDED -> "configuration version " + version + " applied"
                    + (changed.size() > restartNeeded.size() ? "; changed: " + String.join(", ", changed) : "")
                    + "; a restart is needed to apply: " + String.join(", ", restartNeeded);
        };
    }
}
