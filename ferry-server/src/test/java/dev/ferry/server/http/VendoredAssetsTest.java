package dev.ferry.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The browser libraries the admin console serves from {@code web/vendor/} are byte for byte the files of the npm
 * packages that {@code src/main/npm/package-lock.json} pins (copied there by {@code node vendor.mjs}), with their
 * license, and the server serves them. Needs {@code npm ci --prefix ferry-server/src/main/npm}; skipped with the
 * reason where missing, failed under {@code CI=true}.
 */
class VendoredAssetsTest {
    /** File in node_modules to file in web/vendor/, as vendor.mjs copies them. */
    static final Map<String, String> FILES = Map.of(
            "uplot/dist/uPlot.iife.min.js", "uPlot.iife.min.js",
            "uplot/dist/uPlot.min.css", "uPlot.min.css",
            "uplot/LICENSE", "uPlot.LICENSE");

    static Path module() {
        String basedir = System.getProperty("basedir");
        List<Path> candidates = basedir == null ? List.of(Path.of("."), Path.of("ferry-server"))
                : List.of(Path.of(basedir), Path.of("."), Path.of("ferry-server"));
        return candidates.stream().filter(d -> Files.isRegularFile(d.resolve("src/main/npm/package.json")))
                .map(d -> d.toAbsolutePath().normalize()).findFirst()
                .orElseThrow(() -> new AssertionError("no src/main/npm/package.json under " + candidates));
    }

    @Test
    void theVendoredFilesAreThoseOfTheNpmPackages() throws Exception {
        Path module = module();
        Path modules = module.resolve("src/main/npm/node_modules");
        Requirements.require(Files.isDirectory(modules.resolve("uplot")),
                "the npm package uplot (npm ci --prefix ferry-server/src/main/npm)");
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            byte[] npm = Files.readAllBytes(modules.resolve(f.getKey()));
            byte[] vendored = Files.readAllBytes(module.resolve("src/main/resources/web/vendor").resolve(f.getValue()));
            assertThat(vendored).as("web/vendor/%s is %s (run node vendor.mjs in src/main/npm)", f.getValue(), f.getKey())
                    .isEqualTo(npm);
        }
        assertThat(Files.readString(module.resolve("src/main/npm/package-lock.json")))
                .as("package-lock.json pins the version package.json names")
                .containsPattern("\"node_modules/uplot\": \\{\\s*\"version\": \"1\\.6\\.32\"");
        assertThat(Files.readString(module.resolve("src/main/npm/package.json"))).contains("\"uplot\": \"1.6.32\"");
    }

    @Test
    void theServerServesThemWithTheirTypes() {
        WebAssets assets = new WebAssets();
        assertThat(assets.get("/vendor/uPlot.iife.min.js").contentType()).startsWith("text/javascript");
        assertThat(assets.get("/vendor/uPlot.min.css").contentType()).startsWith("text/css");
        assertThat(assets.get("/admin.css").contentType()).startsWith("text/css");
        assertThat(assets.get("/admin").contentType()).startsWith("text/html");
    }
}
