package dev.ferry.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import dev.ferry.server.config.LogConfig;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Applies the {@code log.*} settings to the Logback of {@code ferry serve} (logback.xml writes to stderr): the
 * format once, at start ({@code json}: Logback's {@link JsonEncoder}, one object a line with the MDC), and the
 * levels at start and after every reload. A logger that a reload drops from {@code log.levels} goes back to the
 * level it had before this first changed it. One per process; not thread-safe (start, then the reload thread).
 */
final class LogSettings {
    /** Ferry's own loggers, whose level is {@code log.level}. */
    static final String FERRY = "dev.ferry";

    private final LoggerContext context;
    /** The level each logger had before it was first set here (null: inherited). */
    private final Map<String, Level> original = new HashMap<>();

    LogSettings() {
        this.context = (LoggerContext) LoggerFactory.getILoggerFactory();
    }

    /** Switches every appender of the root logger that writes to a stream to {@code format}. */
    void format(String format) {
        if (!format.equals("json")) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> out) {
                JsonEncoder json = new JsonEncoder();
                json.setContext(context);
                json.setWithFormattedMessage(true); // the message with its arguments, besides the pattern
                json.start();
                out.setEncoder(json); // the appender keeps its stream; stopping it would close stderr's
            }
        }
    }

    /** Sets {@code log.level} on {@value #FERRY} and each {@code log.levels} entry; restores loggers no longer listed. */
    void levels(LogConfig config) {
        Map<String, Level> wanted = new HashMap<>();
        wanted.put(FERRY, Level.toLevel(config.level(), Level.INFO));
        for (String entry : config.levels()) {
            int eq = entry.indexOf('=');
            wanted.put(entry.substring(0, eq).strip(), Level.toLevel(entry.substring(eq + 1).strip().toUpperCase(Locale.ROOT)));
        }
        for (Map.Entry<String, Level> was : new HashMap<>(original).entrySet()) { // values may be null
            if (!wanted.containsKey(was.getKey())) {
                context.getLogger(was.getKey()).setLevel(was.getValue());
                original.remove(was.getKey());
            }
        }
        wanted.forEach((name, level) -> {
            Logger logger = context.getLogger(name);
            if (!original.containsKey(name)) {
                original.put(name, logger.getLevel());
            }
            logger.setLevel(level);
        });
    }
}
