package dev.ferry.cli;

import java.net.URI;
import picocli.CommandLine.Option;

/** The {@code --url} option shared by the client commands. */
final class ConnectOptions {
    static final String ENV_URL = "FERRY_URL";
    static final String DEFAULT_URL = "ws://127.0.0.1:8080/v1/ws";

    @Option(names = {"-u", "--url"}, paramLabel = "URL",
            description = "ferry.v1 WebSocket endpoint (default: $FERRY_URL, else " + DEFAULT_URL + ")")
    String url;

    URI resolve(FerryCommand root) {
        String u = url != null ? url : root.env.getOrDefault(ENV_URL, DEFAULT_URL);
        return URI.create(u.strip());
    }
}
