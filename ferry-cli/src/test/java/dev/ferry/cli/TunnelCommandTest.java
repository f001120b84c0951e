package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.tunnel.client.TunnelClient;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Option parsing of {@code ferry tunnel}; the tunnel itself is tested through its Java API in ferry-server. */
class TunnelCommandTest {
    private static TunnelCommand parse(String... args) {
        TunnelCommand c = new TunnelCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void optionsBuildAClientThatListens() {
        TunnelCommand c = parse("--listen", "127.0.0.1:0", "--to", "ws://127.0.0.1:1/v1/tunnel/rabbit",
                "--proxy", "http://127.0.0.1:3128", "--proxy-user", "u:p:w", "-H", "Authorization: Bearer x");
        assertThat(c.headers).containsExactly("Authorization: Bearer x");
        try (TunnelClient client = c.builder(Map.of()).build()) {
            InetSocketAddress bound = client.start();
            assertThat(bound.getPort()).isPositive();
        }
    }

    @Test
    void badValuesAreParameterErrors() {
        assertThatThrownBy(() -> parse("--listen", "nowhere", "--to", "ws://h/v1/tunnel/x").builder(Map.of()))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--listen: \"nowhere\"");
        assertThatThrownBy(() -> parse("--listen", "127.0.0.1:0", "--to", "http://h/x").builder(Map.of()))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("expected: ws://host:port/path");
        assertThatThrownBy(() -> parse("--listen", "127.0.0.1:0", "--to", "ws://h/x", "-H", "NoColon").builder(Map.of()))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--header");
        assertThatThrownBy(() -> parse("--to", "ws://h/x")).isInstanceOf(CommandLine.MissingParameterException.class);
    }
}
