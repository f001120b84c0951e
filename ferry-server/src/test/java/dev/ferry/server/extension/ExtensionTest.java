package dev.ferry.server.extension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.ConfigSchema;
import dev.ferry.server.config.Settings;
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
        public ConfigSchema schema() {
            return ConfigSchema.builder().table("demo")
                    .string("demo.greeting", "hi", null, "what the demo says").build();
        }

        @Override
        public FerryExtension create(Settings settings) {
            return new Recording(Map.of("demo.greeting", settings.string("demo.greeting")), false);
        }
    }

    @Test
    void loaderHandsTheSectionToItsProvider() {
        Extensions extensions = Extensions.of(List.of(new DemoProvider()));
        ConfigLoader loader = extensions.loader().set("server.port", "0").set("demo.greeting", "hello");
        assertThat(loader.load().server().port()).isZero();
        List<FerryExtension> exts = extensions.create(loader);
        assertThat(exts).hasSize(1);
        assertThat(((Recording) exts.get(0)).settings).containsExactly(Map.entry("demo.greeting", "hello"));
    }

    @Test
    void noSectionNoExtensionAndOtherUnknownKeysStillFail() {
        Extensions extensions = Extensions.of(List.of(new DemoProvider()));
        assertThat(extensions.create(extensions.loader())).isEmpty();
        assertThatThrownBy(() -> extensions.loader().set("demo.greting", "1").load())
                .isInstanceOf(ConfigException.class)
                .hasMessage("unknown configuration key \"demo.greting\" (from setting); did you mean \"demo.greeting\"?");
        assertThatThrownBy(() -> new ConfigLoader().set("demo.greeting", "1").load())
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
