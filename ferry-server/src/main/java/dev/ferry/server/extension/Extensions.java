package dev.ferry.server.extension;

import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The extensions on the class path: their providers, found with {@link ServiceLoader}, a configuration loader
 * that knows their sections, and the extensions the loaded configuration asks for.
 */
public final class Extensions {
    private final List<ExtensionProvider> providers;

    private Extensions(List<ExtensionProvider> providers) {
        this.providers = List.copyOf(providers);
    }

    /** The providers listed in {@code META-INF/services/dev.ferry.server.extension.ExtensionProvider} files. */
    public static Extensions onClassPath() {
        List<ExtensionProvider> found = new ArrayList<>();
        ServiceLoader.load(ExtensionProvider.class, Extensions.class.getClassLoader()).forEach(found::add);
        return new Extensions(found);
    }

    /** These providers only. */
    public static Extensions of(List<ExtensionProvider> providers) {
        return new Extensions(providers);
    }

    public List<ExtensionProvider> providers() {
        return providers;
    }

    /** A configuration loader that accepts the keys of every provider's section. */
    public ConfigLoader loader() {
        return new ConfigLoader().sections(providers);
    }

    /**
     * Creates the extension of every provider with at least one key set in {@code loader}, and of the provider of
     * the engine {@code engine} names (with its keys' defaults when none is set), in provider order; a
     * {@link dev.ferry.server.config.ConfigException} names the bad key. The extensions are not started: register
     * them on the server builder.
     */
    public List<FerryExtension> create(ConfigLoader loader) {
        String engine = loader.load().engine().engine();
        List<FerryExtension> out = new ArrayList<>();
        for (ExtensionProvider p : providers) {
            Optional<Settings> settings = loader.section(p);
            if (settings.isEmpty() && engine.equals(p.engine())) {
                settings = Optional.of(new Settings(p.schema(), Map.of()));
            }
            settings.ifPresent(s -> out.add(p.create(s)));
        }
        return out;
    }
}
