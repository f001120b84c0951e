package dev.ferry.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packages of ferry-server form layers, arrows pointing down only (docs/architecture.md, "Layers"):
 * <ol>
 *   <li>protocols reached through the router's upgrade routes (wamp);</li>
 *   <li>the HTTP router and the admin meters (http, admin), which know every endpoint;</li>
 *   <li>the endpoints, one package per way in (websocket, multiplex, topics, sse, tunnel);</li>
 *   <li>the connection core (session, connection);</li>
 *   <li>hub, engine, rpc and the stores beside them (state, presence, filter, extension, events, store), and the
 *       backend hooks' client (hooks);</li>
 *   <li>the socket plumbing every way in shares (transport): outbound queues, flushes, faults, handler names;</li>
 *   <li>the base (config, auth, time, loop).</li>
 * </ol>
 * {@code FerryServer}, {@code ServerAssembly} and {@code ServerMetrics} at the root assemble the layers and belong to
 * none.
 *
 * <p>Two rules, without exceptions: no package imports one of a higher layer, and the package graph has no cycle
 * (packages of one layer may import each other one way). The config package also imports none of the packages that
 * read it, auth included.
 */
class LayersTest {
    /** Layer of each package: a higher number is a higher layer. */
    static final Map<String, Integer> LAYER = Map.ofEntries(
            Map.entry("wamp", 7),
            Map.entry("http", 6), Map.entry("admin", 6),
            Map.entry("websocket", 5), Map.entry("multiplex", 5), Map.entry("topics", 5), Map.entry("sse", 5),
            Map.entry("tunnel", 5),
            Map.entry("connection", 4), Map.entry("session", 4),
            Map.entry("hub", 3), Map.entry("engine", 3), Map.entry("rpc", 3), Map.entry("state", 3),
            Map.entry("presence", 3), Map.entry("filter", 3), Map.entry("extension", 3), Map.entry("events", 3),
            Map.entry("hooks", 3), Map.entry("store", 3),
            Map.entry("transport", 2),
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

    /** Every import from one package to another, as {@code from -> to}. */
    static Set<String> packageImports() {
        Set<String> out = new TreeSet<>();
        for (JavaClass c : classes) {
            String from = slice(c);
            if (from == null) {
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = slice(d.getTargetClass());
                if (to != null && !to.equals(from)) {
                    out.add(from + " -> " + to);
                }
            }
        }
        return out;
    }

    private static String from(String edge) {
        return edge.substring(0, edge.indexOf(" -> "));
    }

    private static String to(String edge) {
        return edge.substring(edge.indexOf(" -> ") + 4);
    }

    /** A cycle of {@code edges} as {@code a -> b -> ... -> a}, or null when the graph they form is acyclic. */
    static String cycle(Set<String> edges) {
        Map<String, Set<String>> next = new TreeMap<>();
        edges.forEach(e -> next.computeIfAbsent(from(e), k -> new TreeSet<>()).add(to(e)));
        Map<String, Integer> state = new HashMap<>(); // 1: on the path, 2: done
        for (String start : next.keySet()) {
            String found = cycleFrom(start, next, state, new ArrayDeque<>());
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static String cycleFrom(String p, Map<String, Set<String>> next, Map<String, Integer> state,
                                    Deque<String> path) {
        Integer s = state.get(p);
        if (s != null && s == 2) {
            return null;
        }
        if (s != null) {
            List<String> loop = new ArrayList<>(path);
            Collections.reverse(loop);
            return String.join(" -> ", loop.subList(loop.indexOf(p), loop.size())) + " -> " + p;
        }
        state.put(p, 1);
        path.push(p);
        for (String q : next.getOrDefault(p, Set.of())) {
            String found = cycleFrom(q, next, state, path);
            if (found != null) {
                return found;
            }
        }
        path.pop();
        state.put(p, 2);
        return null;
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
    void noPackageImportsAHigherLayer() {
        Set<String> up = new TreeSet<>();
        for (String e : packageImports()) {
            if (LAYER.get(from(e)) < LAYER.get(to(e))) {
                up.add(e);
            }
        }
        assertThat(up).as("package imports that point up a layer (docs/architecture.md, \"Layers\")").isEmpty();
    }

    @Test
    void packagesFormNoCycle() {
        assertThat(cycle(packageImports())).as("a cycle of package imports (docs/architecture.md, \"Layers\")").isNull();
    }

    @Test
    void theCycleCheckFindsACycle() {
        assertThat(cycle(Set.of("a -> b", "b -> c", "c -> a", "c -> d"))).isEqualTo("a -> b -> c -> a");
        assertThat(cycle(Set.of("a -> b", "b -> c", "a -> c"))).isNull();
    }

    @Test
    void configImportsNoPackageThatReadsIt() {
        noClasses().that().resideInAPackage("dev.ferry.server.config..")
                .should().dependOnClassesThat().resideInAnyPackage(List.of("auth", "store", "engine", "extension", "hub", "rpc",
                        "session", "connection", "websocket", "http", "sse", "multiplex", "tunnel", "topics")
                        .stream().map(p -> "dev.ferry.server." + p + "..").toArray(String[]::new))
                .check(classes);
    }
}
