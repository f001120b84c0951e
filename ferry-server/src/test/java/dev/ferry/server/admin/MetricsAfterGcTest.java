package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.GarbageCollection;
import io.micrometer.core.instrument.Meter;
import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every meter a running server registers still reads its source after a garbage collection. Micrometer holds the
 * object a gauge or function counter reads through a weak reference: when nothing else holds it, a gauge reads NaN
 * and a function counter freezes at its last value once the object is collected.
 */
class MetricsAfterGcTest {
    /** A route (its upstream need not exist), so that the tunnel meters are registered too. */
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withTunnel(c.tunnel()
            .withRoutes(List.of(TunnelRoute.of(TunnelRoute.Kind.TCP, "t", "127.0.0.1", 9)))));

    @Test
    void noMeterLosesWhatItReads() throws Exception {
        GarbageCollection.collect();

        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.http("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> nan = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (!line.startsWith("#") && line.endsWith(" NaN")) {
                nan.add(line);
            }
        }
        assertThat(nan).as("series reading NaN after a GC").isEmpty();

        List<String> lost = new ArrayList<>();
        int weak = 0;
        for (Meter m : server.server().meterRegistry().getMeters()) {
            for (Class<?> c = m.getClass(); c != null; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (Reference.class.isAssignableFrom(f.getType()) && !java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                        f.setAccessible(true);
                        weak++;
                        if (((Reference<?>) f.get(m)).get() == null) {
                            lost.add(m.getId().toString());
                        }
                    }
                }
            }
        }
        assertThat(weak).as("meters holding their source weakly (else this test checks nothing)").isGreaterThan(10);
        assertThat(lost).as("meters whose source was collected").isEmpty();
    }
}
