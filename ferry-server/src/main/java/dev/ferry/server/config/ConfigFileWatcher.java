package dev.ferry.server.config;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one configuration file and runs {@code onChange} once its edits have settled: a {@link WatchService} on
 * the file's directory (so that an editor that writes a new file and renames it over the old one, or deletes and
 * recreates it, is seen as well as one that writes in place), on a daemon thread of its own, never an event loop.
 * Every event about the file (created, modified, renamed onto it) starts a quiet period of {@code debounce}; the
 * callback runs when one passes without another event, so that a save in several writes reloads once. A file
 * missing when the period ends (deleted, or between an editor's delete and create) is waited for, not reported.
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #close()} (idempotent), which stops the thread.
 */
public final class ConfigFileWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigFileWatcher.class);

    private final Path file;
    private final Path directory;
    private final Duration debounce;
    private final Runnable onChange;
    private final WatchService watcher;
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param file the configuration file; its directory must exist
     * @param debounce how long edits must pause before {@code onChange} runs
     * @param onChange what runs after a settled edit, on the watcher's thread (a reload)
     */
    public ConfigFileWatcher(Path file, Duration debounce, Runnable onChange) throws IOException {
        this.file = file.toAbsolutePath().normalize();
        this.directory = this.file.getParent();
        this.debounce = debounce;
        this.onChange = onChange;
        this.watcher = FileSystems.getDefault().newWatchService();
        directory.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        this.thread = new Thread(this::run, "ferry-config-watch");
        thread.setDaemon(true);
    }

    /** Starts watching. */
    public ConfigFileWatcher start() {
        thread.start();
        log.info("watching {} for changes", file);
        return this;
    }

    private void run() {
        boolean pending = false;
        try {
            while (!closed) {
                WatchKey key = pending ? watcher.poll(debounce.toMillis(), TimeUnit.MILLISECONDS) : watcher.take();
                if (key == null) { // a quiet period passed since the last event about the file
                    if (Files.isRegularFile(file)) {
                        pending = false;
                        try {
                            onChange.run();
                        } catch (RuntimeException e) {
                            log.error("reloading {} failed", file, e);
                        }
                    }
                    continue;
                }
                for (WatchEvent<?> event : key.pollEvents()) {
                    // a symbolic link (a mounted ConfigMap's) changes target through other names in the directory
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW || Files.isSymbolicLink(file)
                            || (event.context() instanceof Path p && directory.resolve(p).equals(file))) {
                        pending = true;
                    }
                }
                if (!key.reset()) {
                    log.warn("{} can no longer be watched (its directory is gone); reload with SIGHUP", directory);
                    return;
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            watcher.close();
        } catch (IOException e) {
            log.debug("closing the watch service of {}", directory, e);
        }
        thread.interrupt();
    }
}
