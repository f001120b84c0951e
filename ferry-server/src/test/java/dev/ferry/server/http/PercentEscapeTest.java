package dev.ferry.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.testing.FerryServerExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request target whose percent-escapes are malformed is answered {@code 400 bad_request} with the JSON error
 * body, on every route, and the connection keeps serving: a request pipelined behind it gets its own answer.
 * Spoken over a raw socket, so that nothing between the test and the server fixes or refuses the target.
 */
class PercentEscapeTest {
    static final String KEY = "test-key-0123456789abcdef";

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withHttp(new HttpConfig(List.of(KEY), 4096)));

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Response(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "GET /v1/topics?prefix=%zz",
            "GET /v1/topics?prefix=a.%",
            "GET /v1/topics/a/%zz",
            "GET /v1/history/a.%zz",
            "GET /v1/history/a.b?after=%",
            "GET /v1/sse?topic=a.%",
            "POST /v1/publish/a.%",
            "POST /v1/publish/a.%ED%A0%80",
            "POST /v1/call/p.%g1",
            "GET /v1/presence/a.%zz",
            "GET /v1/state/a.%zz",
            "PATCH /v1/state/a.%zz",
            "POST /v1/session/%zz",
            "GET /v1/session/%zz/events",
            "GET /v1/ws?access_token=%zz",
            "GET /v1/tunnel/%zz",
            "GET /%zz",
            "GET /v1/topics?prefix=%C3",
            "GET /v1/topics?prefix=%FF",
    })
    void aMalformedEscapeIs400AndThePipelinedNextRequestGetsItsOwnAnswer(String request) throws Exception {
        String[] parts = request.split(" ");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            String body = parts[0].equals("GET") ? "" : "1";
            String first = parts[0] + " " + parts[1] + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
            String second = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write((first + second).getBytes(StandardCharsets.US_ASCII)); // pipelined: both before any answer
            out.flush();
            InputStream in = s.getInputStream();
            Response refused = read(in);
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.json().path("code").asText()).isEqualTo("bad_request");
            assertThat(refused.json().path("message").asText()).containsAnyOf("percent-escape", "UTF-8");
            Response health = read(in);
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().path("status").asText()).isEqualTo("ok");
        }
    }

    @Test
    void wellFormedEscapesStillWork() throws Exception {
        Response r = exchange("POST /v1/publish/esc.caf%C3%A9 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                + "\r\nContent-Length: 1\r\n\r\n1");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("topic").asText()).isEqualTo("esc.café");
    }

    @Test
    void aPublishedBodyHoldingALoneSurrogateIsBadJson() throws Exception {
        String body = "{\"a\":\"\\ud800\"}";
        Response r = exchange("POST /v1/publish/esc.lone HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("code").asText()).isEqualTo("bad_json");
        assertThat(r.json().path("message").asText()).contains("lone UTF-16 surrogate");
    }

    /** Sends one request over a new connection and reads its response. */
    private static Response exchange(String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return read(s.getInputStream());
        }
    }

    @Test
    void badEscapeNamesEachFault() {
        assertThat(HttpRouter.badEscape("/v1/topics?prefix=a.b")).isNull();
        assertThat(HttpRouter.badEscape("/v1/topics?prefix=caf%c3%a9")).isNull();
        assertThat(HttpRouter.badEscape("/x%2")).contains("percent-escape");
        assertThat(HttpRouter.badEscape("/x%ed%a0%80")).contains("UTF-8");
    }

    /** One HTTP/1.1 response with a Content-Length body. */
    private static Response read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes: " + head);
            }
            head.write(b);
            matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        int length = 0;
        for (String line : lines) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new Response(status, new String(body, StandardCharsets.UTF_8));
    }
}
