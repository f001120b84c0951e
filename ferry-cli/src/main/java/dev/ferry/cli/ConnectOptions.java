package dev.ferry.cli;

import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code --url} option shared by the client commands. */
final class ConnectOptions {
    static final String ENV_URL = "FERRY_URL";
    static final String DEFAULT_URL = "ws://127.0.0.1:8080/v1/ws";

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = {"-u", "--url"}, paramLabel = "URL",
            description = "ferry.v1 WebSocket endpoint (default: $FERRY_URL, else " + DEFAULT_URL + ")")
    String url;

    /** The endpoint; a value that is not a ws:// or wss:// URL with a host is a usage error (exit 2). */
    URI resolve(FerryCommand root) {
        String given = url != null ? url : root.env.get(ENV_URL);
        String where = url != null ? "--url" : "$" + ENV_URL;
        String u = (given != null ? given : DEFAULT_URL).strip();
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getScheme() == null || !(uri.getScheme().equalsIgnoreCase("ws")
                || uri.getScheme().equalsIgnoreCase("wss")) || uri.getHost() == null) {
            throw new ParameterException(command.commandLine(), where + ": \"" + u
                    + "\" is not a WebSocket URL (expected: ws://HOST:PORT/v1/ws or wss://..., e.g. " + DEFAULT_URL + ")");
        }
        return uri;
    }
}
