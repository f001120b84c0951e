package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.LogConfig;
import dev.ferry.server.testing.Await;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import picocli.CommandLine;

/**
 * {@code ferry serve --config FILE}: SIGHUP reloads the file (in-process: the test raises the signal in its own
 * JVM, where the command installed its handler), log levels follow a reload, and {@code --log-format json}.
 */
class ServeReloadTest {
    @TempDir
    Path dir;

    private static ServeCommand parse(String... args) {
        FerryCommand root = new FerryCommand(Map.of(), new ByteArrayInputStream(new byte[0]));
        CommandLine.ParseResult parsed = FerryCommand.commandLine(root).parseArgs(args);
        return (ServeCommand) parsed.subcommand().commandSpec().userObject();
    }

    @Test
    void sighupReloadsTheFileAndLogLevelsFollow() throws Exception {
        Path file = dir.resolve("ferry.yaml");
        Files.writeString(file, "history:\n  size: 10\n");
        ServeCommand serve = parse("serve", "--config", file.toString(), "--host", "127.0.0.1", "--port", "0");
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        try (FerryServer server = serve.server()) {
            server.start();
            ServeCommand.onHangUp(server);
            Files.writeString(file, "history:\n  size: 10\nweb:\n  allowed-origins: [\"https://app.example\"]\n"
                    + "log:\n  level: debug\n  levels: [\"io.netty.util=error\"]\n");
            sun.misc.Signal.raise(new sun.misc.Signal("HUP"));
            Await.until("SIGHUP reloads the file", () -> server.configVersion() == 2);
            assertThat(server.config().web().allowedOrigins()).containsExactly("https://app.example");
            assertThat(context.getLogger("dev.ferry").getLevel()).isEqualTo(Level.DEBUG);
            assertThat(context.getLogger("io.netty.util").getLevel()).isEqualTo(Level.ERROR);

            Files.writeString(file, "history:\n  size: 10\n");
            sun.misc.Signal.raise(new sun.misc.Signal("HUP"));
            Await.until("the second SIGHUP", () -> server.configVersion() == 3);
            assertThat(context.getLogger("dev.ferry").getLevel()).isEqualTo(Level.INFO);
            assertThat(context.getLogger("io.netty.util").getLevel()).as("back to what it was").isNull();
        }
    }

    @Test
    void logFormatJsonWritesOneObjectALineWithTheMdc() throws Exception {
        ServeCommand serve = parse("serve", "--log-format", "json", "--port", "0");
        assertThat(serve.load().log().format()).isEqualTo("json");
        assertThat(parse("serve", "--set", "log.format=json").load().log()).isEqualTo(new LogConfig("json", "info", List.of()));

        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(new ch.qos.logback.classic.encoder.PatternLayoutEncoder());
        ((ch.qos.logback.classic.encoder.PatternLayoutEncoder) appender.getEncoder()).setPattern("%msg%n");
        appender.getEncoder().setContext(context);
        appender.getEncoder().start();
        appender.setOutputStream(written);
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        try {
            new LogSettings().format("json");
            assertThat(appender.getEncoder()).isInstanceOf(JsonEncoder.class);
            MDC.put("connection", "3fa2c19b-17");
            MDC.put("identity", "sub \"alice\"");
            try {
                LoggerFactory.getLogger("dev.ferry.server.connection.Connection").warn("subscription to {} dropped", "x.y");
            } finally {
                MDC.clear();
            }
            String line = written.toString(StandardCharsets.UTF_8).strip();
            assertThat(line).doesNotContain("\n");
            JsonNode json = new ObjectMapper().readTree(line);
            assertThat(json.path("formattedMessage").asText()).as(line).isEqualTo("subscription to x.y dropped");
            assertThat(json.path("mdc").path("connection").asText()).isEqualTo("3fa2c19b-17");
            assertThat(json.path("mdc").path("identity").asText()).isEqualTo("sub \"alice\"");
            assertThat(json.path("level").asText()).isEqualTo("WARN");
        } finally {
            root.detachAppender(appender);
            appender.stop();
        }
    }
}
