package dev.ferry.cli;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigDocs;
import dev.ferry.server.config.ConfigKey;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.ConfigSchema;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.extension.Extensions;
import dev.ferry.server.config.ConfigFileWatcher;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ferry serve}: runs the gateway until SIGINT or SIGTERM, then drains gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run a Ferry server until interrupted (SIGINT/SIGTERM), then drain gracefully.",
                "With --config, the file is read again and applied without dropping connections when it changes "
                        + "(unless --no-watch) and on SIGHUP; docs/operations.md says what reloads.",
                "Settings, in increasing precedence: defaults, --demo, --config file, FERRY_* environment variables "
                        + "(e.g. FERRY_SERVER_PORT), --set, --host/--port."})
final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @ParentCommand
    FerryCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Option(names = "--host", paramLabel = "HOST", description = "address to bind (server.host)")
    String host;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "port to bind, 0 for any free one (server.port)")
    Integer port;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "a configuration setting, e.g. --set websocket.max-message-bytes=2MiB (repeatable)")
    List<String> settings = new ArrayList<>();

    @Option(names = "--log-format", paramLabel = "FORMAT",
            description = "text (default) or json: one JSON object a line, with connection and identity (log.format)")
    String logFormat;

    @Option(names = "--no-watch", description = "do not reload when the --config file changes (SIGHUP still reloads)")
    boolean noWatch;

    @Option(names = "--demo",
            description = "also configure what the demo pages need (/todo.html: state channels demo.todo.*, presence of "
                    + "demo.todo.*.here); the settings given win")
    boolean demo;

    /**
     * The end of {@code ferry serve --help}: every key {@code --set} accepts with its default, from the key
     * declarations, one key to a line so that no key is ever broken across lines.
     */
    static String keysFooter(ConfigSchema schema) {
        int width = schema.keys().stream().mapToInt(k -> k.name().length()).max().orElse(0);
        StringBuilder out = new StringBuilder("%nConfiguration keys (--set KEY=VALUE; `ferry config keys` explains each):%n");
        for (ConfigKey k : schema.keys()) {
            String shown = ConfigDocs.plain(k.documentedDefault());
            out.append(HelpLayout.wrap("  " + k.name(), shown, width + 4, HelpLayout.WIDTH)
                    .replace("%", "%%").replace("\n", "%n"));
        }
        return out.toString();
    }

    @Override
    public Integer call() throws InterruptedException {
        FerryServer server = server();
        logs.format(server.config().log().format());
        logs.levels(server.config().log());
        server.start();
        banner(server, demo).forEach(log::info);
        ConfigFileWatcher watcher = config == null || noWatch ? null : watch(server);
        if (config != null) {
            onHangUp(server);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            if (watcher != null) {
                watcher.close();
            }
            server.close();
            stopped.countDown();
        }, "ferry-shutdown"));
        stopped.await();
        return FerryCommand.OK;
    }

    /**
     * What a started server tells its user: where it serves, whether the HTTP API is on (and how to turn it on,
     * since it is off by default), and what the web root serves.
     */
    static List<String> banner(FerryServer server, boolean demo) {
        String http = server.httpUri().toString();
        List<String> lines = new ArrayList<>();
        lines.add("serving " + server.webSocketUri() + " (HTTP API at " + http + ")");
        if (!server.apiEnabled()) {
            lines.add("the HTTP API (/v1/publish, /v1/call, /v1/history, ...) is off: no http.api-keys and no "
                    + "auth.issuers are configured; to turn it on, add an API key of 16 characters or more, e.g. "
                    + "--set http.api-keys=$(openssl rand -hex 16), and send it as Authorization: Bearer <key>");
        }
        lines.add(demo ? "demo pages: " + http + "/ (chat and topic index) and " + http + "/todo.html (to-do list)"
                : http + "/ serves the chat demo page; --demo also serves the to-do list at /todo.html");
        return lines;
    }

    /**
     * The server the options describe, with its extensions, not started; a {@code ConfigException} names a bad key.
     * Its {@link FerryServer#reload()} reads the file, environment and options again.
     */
    FerryServer server() {
        Extensions extensions = Extensions.onClassPath();
        ConfigLoader loader = loader(extensions);
        FerryServer.Builder builder = FerryServer.builder().config(loader.load()).configSource(() -> {
            ConfigLoader again = loader(extensions);
            return new FerryServer.ConfigSource.Loaded(again.load(), extensions.create(again));
        }).onReload(applied -> logs.levels(applied.log()));
        extensions.create(loader).forEach(builder::extension);
        return builder.build();
    }

    /** The log format and levels of this process, which follow the configuration. */
    private final LogSettings logs = new LogSettings();

    /** How long edits of the watched file must pause before it is read again. */
    static final Duration WATCH_DEBOUNCE = Duration.ofMillis(300);

    /** Reloads {@code server} when the {@code --config} file changes; null when it cannot be watched. */
    private ConfigFileWatcher watch(FerryServer server) {
        try {
            return new ConfigFileWatcher(config, WATCH_DEBOUNCE, server::reload).start();
        } catch (IOException e) {
            log.warn("cannot watch {} ({}); reload with SIGHUP or POST /v1/admin/reload", config, e.toString());
            return null;
        }
    }

    /**
     * Reloads {@code server} on SIGHUP, on a thread of its own (the signal's thread only hands over). Where the JVM
     * offers no SIGHUP (Windows), says so once.
     */
    static void onHangUp(FerryServer server) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                Thread t = new Thread(server::reload, "ferry-sighup");
                t.setDaemon(true);
                t.start();
            });
        } catch (IllegalArgumentException e) {
            log.info("SIGHUP is not available here ({}); reload with POST /v1/admin/reload", e.getMessage());
        }
    }

    /** The configuration from file, environment and options; a {@code ConfigException} names the bad key. */
    FerryConfig load() {
        return loader(Extensions.onClassPath()).load();
    }

    /** A loader holding the file, environment and options; extension sections (e.g. rabbitmq.*) included. */
    ConfigLoader loader(Extensions extensions) {
        ConfigLoader loader = extensions.loader();
        if (config != null) {
            loader.yaml(config);
        }
        loader.env(root.env);
        for (String s : settings) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "--set " + s + ": expected KEY=VALUE");
            }
            loader.set(s.substring(0, eq).strip(), s.substring(eq + 1).strip());
        }
        if (host != null) {
            loader.set("server.host", host);
        }
        if (logFormat != null) {
            loader.set("log.format", logFormat, "--log-format");
        }
        if (port != null) {
            loader.set("server.port", Integer.toString(port));
        }
        if (demo) {
            DemoSettings.applyTo(loader);
        }
        return loader;
    }
}
