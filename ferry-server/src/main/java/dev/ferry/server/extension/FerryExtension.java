package dev.ferry.server.extension;

/**
 * Code that runs with a {@link dev.ferry.server.FerryServer}: registered on the builder
 * ({@code FerryServer.builder().extension(e)}), or created by an {@link ExtensionProvider} from its
 * configuration section.
 *
 * <p>Lifecycle: {@link #start} once, when the server starts, after its hub exists and before it accepts
 * connections; then {@link #close} exactly once, when the server closes, after its clients were drained (or
 * when a later extension failed to start). Both are called from the thread starting or closing the server,
 * never from an event loop, so they may block. A configuration reload may close an extension and start another of
 * its name meanwhile (see {@link #settings()}), from a thread of its own. An extension that must not block event
 * loops at run time hands its work to threads of its own.
 */
public interface FerryExtension extends AutoCloseable {
    /** A short name for logs, e.g. {@code rabbitmq}. */
    String name();

    /** Starts; a thrown exception makes {@code FerryServer.start()} fail. */
    void start(ExtensionContext context) throws Exception;

    /**
     * The settings the extension was made from, compared when a configuration reload offers an extension of the
     * same name ({@code FerryServer.reload}): equal settings keep this one running; different ones close it and
     * start the new one; a reload without it closes it. Null (the default): a reload leaves the extension as it is,
     * and a change of its settings needs a restart. An engine's extension is never replaced.
     */
    default Object settings() {
        return null;
    }

    /**
     * A configuration reload offers {@code next} (same name, different {@link #settings()}): true when this
     * extension took its settings in place and keeps running as {@code next} would (the server then drops
     * {@code next} without starting it); false (the default) to be closed and replaced by {@code next}. Called off
     * the event loops; may block.
     */
    default boolean reload(FerryExtension next) {
        return false;
    }

    /**
     * The extension's links to other systems and their state now, for the server API; none by default. Called
     * from event loops: must not block.
     */
    default java.util.List<BridgeStatus> bridges() {
        return java.util.List.of();
    }

    /** Stops and releases everything the extension holds. Must not throw. */
    @Override
    void close();
}
