package dev.ferry.server.config;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The {@code log.*} section: how {@code ferry serve} writes its log (docs/operations.md, "Logs"). An embedding
 * application configures its own logging; the server only carries these settings.
 *
 * @param format {@code text} (one line a message) or {@code json} (one JSON object a line, with the MDC:
 *     {@code connection} and {@code identity} on every line about a connection); a change needs a restart
 * @param level the level of Ferry's own loggers ({@code dev.ferry}); reloads live
 * @param levels {@code LOGGER=LEVEL} entries for other loggers (e.g. {@code io.netty=warn}); reload live
 */
public record LogConfig(String format, String level, List<String> levels) {
    public static final List<String> FORMATS = List.of("text", "json");
    public static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");
    public static final LogConfig DEFAULT = new LogConfig("text", "info", List.of());

    public LogConfig {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(level, "level");
        levels = List.copyOf(levels);
        for (String entry : levels) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || !LEVELS.contains(entry.substring(eq + 1).strip().toLowerCase(Locale.ROOT))) {
                throw new ConfigException("log.levels: \"" + entry + "\" (expected: LOGGER=LEVEL, LEVEL one of "
                        + String.join(", ", LEVELS) + ")");
            }
        }
    }
}
