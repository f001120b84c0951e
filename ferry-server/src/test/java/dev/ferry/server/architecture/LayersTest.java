package dev.ferry.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packages of ferry-server form layers, arrows pointing down only (docs/architecture.md, "Layers"):
 * protocols on the shared transports (wamp), then transports (websocket, multiplex, sse, http, topics, tunnel, admin, transport), then the connection core
 * (connection, session), then hub, engine, rpc and the stores beside them (state, presence, filter, extension,
 * events), then the base (config, auth, time, loop). {@code FerryServer} and {@code ServerMetrics} at the root assemble the
 * layers and belong to none.
 *
 * <p>A package import that points up a layer, or between two packages of one layer (which is how cycles form), is
 * allowed only if listed in {@code allowed-package-imports.txt}: the imports of that kind that exist today, each to
 * be removed as the packages are untangled. Any other fails the build, so no new cycle or upward import can
 * appear. The config package's rule holds outright.
 */
class LayersTest {
    /** Layer of each package: a higher number is a higher layer. */
    static final Map<String, Integer> LAYER = Map.ofEntries(
            Map.entry("wamp", 5),
            Map.entry("websocket", 4), Map.entry("multiplex", 4), Map.entry("sse", 4), Map.entry("http", 4),
            Map.entry("topics", 4), Map.entry("tunnel", 4), Map.entry("admin", 4), Map.entry("transport", 4),
            Map.entry("connection", 3), Map.entry("session", 3),
            Map.entry("hub", 2), Map.entry("engine", 2), Map.entry("rpc", 2), Map.entry("state", 2),
            Map.entry("presence", 2), Map.entry("filter", 2), Map.entry("extension", 2), Map.entry("events", 2),
            Map.entry("config", 1), Map.entry("auth", 1), Map.entry("time", 1), Map.entry("loop", 1));

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.ferry.server");
    }

    /** The package right under dev.ferry.server, or null for the root. */
    private static String slice(JavaClass c) {
        String p = c.getPackageName();
        if (!p.startsWith("dev.ferry.server.")) {
            return null;
        }
        String rest = p.substring("dev.ferry.server.".length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    /** Every import from one package to another that does not point down a layer, as {@code from -> to}. */
    static Set<String> importsNotPointingDown() {
        Set<String> out = new TreeSet<>();
        for (JavaClass c : classes) {
            String from = slice(c);
            if (from == null) {
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = slice(d.getTargetClass());
                if (to == null || to.equals(from)) {
                    continue;
                }
                Integer a = LAYER.get(from);
                Integer b = LAYER.get(to);
                if (a == null || b == null || a <= b) {
                    out.add(from + " -> " + to);
                }
            }
        }
        return out;
    }

    static Set<String> allowed() throws IOException {
        try (InputStream in = LayersTest.class.getResourceAsStream("allowed-package-imports.txt")) {
            Set<String> out = new TreeSet<>();
            new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(l -> out.add(l.strip()));
            return out;
        }
    }

    @Test
    void everyPackageHasALayer() {
        Set<String> packages = new TreeSet<>();
        classes.forEach(c -> {
            String s = slice(c);
            if (s != null) {
                packages.add(s);
            }
        });
        assertThat(LAYER.keySet()).containsAll(packages);
    }

    @Test
    void noNewImportUpALayerOrWithinOne() throws IOException {
        Set<String> found = importsNotPointingDown();
        Set<String> fresh = new TreeSet<>(found);
        fresh.removeAll(allowed());
        assertThat(fresh).as("package imports that point up a layer or sideways (docs/architecture.md, \"Layers\")")
                .isEmpty();
    }

    @Test
    void theAllowListHoldsNoImportThatIsGone() throws IOException {
        Set<String> stale = new TreeSet<>(allowed());
        stale.removeAll(importsNotPointingDown());
        assertThat(stale).as("remove these lines from allowed-package-imports.txt: the imports are gone").isEmpty();
    }

    @Test
    void configImportsNoEngineExtensionOrHigherPackage() {
        noClasses().that().resideInAPackage("dev.ferry.server.config..")
                .should().dependOnClassesThat().resideInAnyPackage(List.of("engine", "extension", "hub", "rpc",
                        "session", "connection", "websocket", "http", "sse", "multiplex", "tunnel", "topics")
                        .stream().map(p -> "dev.ferry.server." + p + "..").toArray(String[]::new))
                .check(classes);
    }
}
