package dev.ferry.server.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * The lines the whole server logs during each test, for tests of what is logged: attached to the root logger
 * before each test and detached after it. Lines come from the event loops as the test reads them, so reading takes
 * a copy under the same lock that {@link AppenderBase#doAppend} appends under.
 *
 * <pre>{@code @RegisterExtension final LogCapture log = new LogCapture();}</pre>
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements BeforeEachCallback, AfterEachCallback {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final List<ILoggingEvent> events = new ArrayList<>();

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
        root.addAppender(this);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        root.detachAppender(this);
        stop();
    }

    @Override
    protected void append(ILoggingEvent event) {
        events.add(event); // under this appender's lock (doAppend)
    }

    /** The lines logged so far, in order. */
    public synchronized List<ILoggingEvent> events() {
        return List.copyOf(events);
    }

    /** The first line logged so far whose message contains {@code text}, or null. */
    public String first(String text) {
        return events().stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(text))
                .findFirst().orElse(null);
    }

    /** Forgets the lines logged so far. */
    public synchronized void clear() {
        events.clear();
    }
}
