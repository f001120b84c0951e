package dev.ferry.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /v1/call/...} with {@code Accept: application/x-ndjson}: progress lines, outcome, cancel on close. */
class HttpStreamedCallTest {
    static final String KEY = "test-key-0123456789abcdef";

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withHttp(new HttpConfig(List.of(KEY), 4096)));

    private static final HttpClient http = HttpClient.newHttpClient();

    private static WsTestClient callee(String proc) {
        WsTestClient c = WsTestClient.connect(server.wsUri());
        c.send("{\"type\":\"register\",\"id\":1,\"proc\":\"" + proc + "\"}");
        assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
        return c;
    }

    private static CompletableFuture<HttpResponse<Stream<String>>> streamedCall(String proc, String body) {
        return http.sendAsync(HttpRequest.newBuilder(server.http("/v1/call/" + proc))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .header("Accept", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofLines());
    }

    @Test
    void progressLinesThenTheResult() throws Exception {
        try (WsTestClient callee = callee("http.report")) {
            CompletableFuture<HttpResponse<Stream<String>>> pending = streamedCall("http.report", "{\"year\":2026}");
            JsonNode invoke = callee.nextJson();
            assertThat(invoke.path("progress").asBoolean()).isTrue();
            long inv = invoke.path("id").asLong();
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"progress\":true,\"data\":{\"done\":0.5}}");
            HttpResponse<Stream<String>> r = pending.get(60, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
            Iterator<String> lines = r.body().iterator();
            assertThat(lines.next()).isEqualTo("{\"type\":\"progress\",\"data\":{\"done\":0.5}}");
            callee.sendBinary(WsTestClient.binaryFrame("{\"type\":\"reply\",\"id\":" + inv + ",\"progress\":true}", new byte[] {1, 2}));
            assertThat(lines.next()).isEqualTo("{\"type\":\"progress\",\"data_base64\":\"AQI=\"}");
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"error\":{\"code\":\"app.no\",\"message\":\"out of paper\"}}");
            assertThat(lines.next()).isEqualTo("{\"type\":\"error\",\"code\":\"callee_error\",\"message\":\"out of paper\","
                    + "\"data\":{\"code\":\"app.no\"}}");
            assertThat(lines.hasNext()).isFalse();
        }
    }

    @Test
    void anOutcomeBeforeAnyProgressKeepsItsStatus() throws Exception {
        HttpResponse<Stream<String>> r = streamedCall("http.nobody", "1").get(60, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        assertThat(r.body().toList()).singleElement().asString()
                .startsWith("{\"type\":\"error\",\"code\":\"no_such_procedure\",");
        try (WsTestClient callee = callee("http.quick")) {
            CompletableFuture<HttpResponse<Stream<String>>> pending = streamedCall("http.quick", "2");
            callee.send("{\"type\":\"reply\",\"id\":" + callee.nextJson().path("id").asLong() + ",\"data\":4}");
            HttpResponse<Stream<String>> quick = pending.get(60, TimeUnit.SECONDS);
            assertThat(quick.statusCode()).isEqualTo(200);
            assertThat(quick.body().toList()).containsExactly("{\"type\":\"result\",\"data\":4}");
        }
    }

    /** A raw socket, so that the test decides when the client goes away. */
    private static Socket rawCall(String proc, String accept) throws Exception {
        Socket s = new Socket("127.0.0.1", server.port());
        String request = "POST /v1/call/" + proc + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                + "\r\nContent-Type: application/json\r\n" + (accept == null ? "" : "Accept: " + accept + "\r\n")
                + "Content-Length: 1\r\n\r\n7";
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    @Test
    void aClientThatDisconnectsCancelsTheCall() throws Exception {
        try (WsTestClient callee = callee("http.long")) {
            for (String accept : new String[] {"application/x-ndjson", null}) {
                Socket client = rawCall("http.long", accept);
                long inv = callee.nextJson().path("id").asLong();
                if (accept != null) {
                    callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"progress\":true,\"data\":1}");
                    InputStream in = client.getInputStream();
                    byte[] head = new byte[12];
                    assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
                    assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
                }
                client.close();
                assertThat(callee.nextJson().toString()).isEqualTo(
                        "{\"type\":\"interrupt\",\"id\":" + inv + ",\"mode\":\"killnowait\",\"reason\":\"cancel\"}");
            }
        }
    }
}
