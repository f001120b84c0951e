package dev.ferry.server.extension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.ConfigLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExtensionTest {
    /** Records its lifecycle; created from the {@code demo.*} section. */
    static final class Recording implements FerryExtension {
        final Map<String, String> settings;
        final List<String> events = new ArrayList<>();
        final boolean failOnStart;

        Recording(Map<String, String> settings, boolean failOnStart) {
            this.settings = settings;
            this.failOnStart = failOnStart;
        }

        @Override
        public String name() {
            return "demo";
        }

        @Override
        public void start(ExtensionContext context) {
            events.add("start hub=" + (context.hub() != null));
            if (failOnStart) {
                throw new IllegalStateException("broken on purpose");
            }
        }

        @Override
        public void close() {
            events.add("close");
        }
    }

    static final class DemoProvider implements ExtensionProvider {
        @Override
        public String section() {
            return "demo";
        }

        @Override
        public List<String> keys() {
            return List.of("demo.greeting");
        }

        @Override
        public FerryExtension create(Map<String, String> settings) {
            if (!settings.keySet().stream().allMatch(keys()::contains)) {
                throw new ConfigException("unknown configuration key in " + settings.keySet());
            }
            return new Recording(settings, false);
        }
    }

    @Test
    void loaderHandsTheSectionToItsProvider() {
        ConfigLoader loader = new ConfigLoader().providers(List.of(new DemoProvider()))
                .set("server.port", "0").set("demo.greeting", "hello");
        assertThat(loader.load().server().port()).isZero();
        List<FerryExtension> exts = loader.extensions();
        assertThat(exts).hasSize(1);
        assertThat(((Recording) exts.get(0)).settings).containsExactly(Map.entry("demo.greeting", "hello"));
    }

    @Test
    void noSectionNoExtensionAndOtherUnknownKeysStillFail() {
        ConfigLoader loader = new ConfigLoader().providers(List.of(new DemoProvider()));
        assertThat(loader.extensions()).isEmpty();
        assertThatThrownBy(() -> new ConfigLoader().providers(List.of(new DemoProvider())).set("demox.a", "1").load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("\"demox.a\"").hasMessageContaining("demo.greeting");
        assertThatThrownBy(() -> new ConfigLoader().providers(List.of()).set("demo.greeting", "1").load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("\"demo.greeting\"");
    }

    @Test
    void startedWithTheServerAndClosedAfterIt() {
        Recording ext = new Recording(Map.of(), false);
        FerryServer server = FerryServer.builder().host("127.0.0.1").port(0).extension(ext).build();
        server.start();
        assertThat(ext.events).containsExactly("start hub=true");
        server.close();
        server.close();
        assertThat(ext.events).containsExactly("start hub=true", "close");
    }

    @Test
    void aFailingExtensionFailsStartAndClosesTheOthers() {
        Recording good = new Recording(Map.of(), false);
        Recording bad = new Recording(Map.of(), true);
        FerryServer server = FerryServer.builder().host("127.0.0.1").port(0).extension(good).extension(bad).build();
        assertThatThrownBy(server::start).hasMessageContaining("extension demo failed to start: broken on purpose");
        assertThat(good.events).containsExactly("start hub=true", "close");
        assertThat(bad.events).containsExactly("start hub=true", "close");
    }
}
