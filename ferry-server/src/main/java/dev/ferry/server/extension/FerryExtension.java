package dev.ferry.server.extension;

/**
 * Code that runs with a {@link dev.ferry.server.FerryServer}: registered on the builder
 * ({@code FerryServer.builder().extension(e)}), or created by an {@link ExtensionProvider} from its
 * configuration section.
 *
 * <p>Lifecycle: {@link #start} once, when the server starts, after its hub exists and before it accepts
 * connections; then {@link #close} exactly once, when the server closes, after its clients were drained (or
 * when a later extension failed to start). Both are called from the thread starting or closing the server,
 * never from an event loop, so they may block. An extension that must not block event loops at run time hands
 * its work to threads of its own.
 */
public interface FerryExtension extends AutoCloseable {
    /** A short name for logs, e.g. {@code rabbitmq}. */
    String name();

    /** Starts; a thrown exception makes {@code FerryServer.start()} fail. */
    void start(ExtensionContext context) throws Exception;

    /** Stops and releases everything the extension holds. Must not throw. */
    @Override
    void close();
}
