package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Concurrent publishers on one topic: every subscriber sees offsets 1..N in order, and each publisher's own order. */
class OrderingTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    @Test
    void offsetsAndPerPublisherOrderHoldUnderConcurrency() throws Exception {
        int publishers = 4;
        int each = 500;
        List<WsTestClient> subs = new ArrayList<>();
        for (String pattern : List.of("ord.x", "ord.*", "#")) {
            WsTestClient s = WsTestClient.connect(server.wsUri());
            s.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"" + pattern + "\"}");
            s.nextJson();
            subs.add(s);
        }
        ExecutorService pool = Executors.newFixedThreadPool(publishers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < publishers; p++) {
                int id = p;
                done.add(pool.submit(() -> {
                    try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
                        StringBuilder batch = new StringBuilder();
                        for (int n = 0; n < each; n++) {
                            batch.append("{\"type\":\"pub\",\"topic\":\"ord.x\",\"data\":{\"p\":").append(id)
                                    .append(",\"n\":").append(n).append("}}\n");
                            if (n % 50 == 49) {
                                pub.send(batch.toString());
                                batch.setLength(0);
                            }
                        }
                        pub.send("{\"type\":\"ping\",\"id\":1}");
                        pub.nextJson();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        for (WsTestClient s : subs) {
            int[] next = new int[publishers];
            for (long offset = 1; offset <= (long) publishers * each; offset++) {
                JsonNode m = s.nextJson();
                assertThat(m.path("offset").asLong()).isEqualTo(offset);
                int p = m.path("data").path("p").asInt();
                assertThat(m.path("data").path("n").asInt()).isEqualTo(next[p]++);
            }
            s.close();
        }
    }
}
