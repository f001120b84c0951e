package dev.ferry.server.sse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A server that shuts down ends every event stream's chunked response with its last chunk before closing, so that
 * a client sees a complete response (curl exits 0, not 18 "transfer closed with outstanding read data").
 */
class SseShutdownTest {
    /** Reads the raw response until the server closes the connection. */
    private static String readToEnd(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String streamUntilShutdown(String path) throws Exception {
        FerryServer server = FerryServer.builder().config(FerryConfig.DEFAULT).host("127.0.0.1").port(0).build();
        server.start();
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                assertThat(b).as("response headers: " + head).isNotNegative();
                head.append((char) b);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 200").containsIgnoringCase("transfer-encoding: chunked");
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            String rest = readToEnd(in);
            closing.get(60, TimeUnit.SECONDS);
            return rest;
        } finally {
            server.close();
        }
    }

    @Test
    void aTopicStreamEndsWithTheLastChunk() throws Exception {
        assertThat(streamUntilShutdown("/v1/sse?topic=news.%23")).endsWith("0\r\n\r\n");
    }
}
