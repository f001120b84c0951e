package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.FerryClient;
import dev.ferry.server.FerryServer;
import dev.ferry.server.testing.Requirements;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every {@code curl} example of the Markdown documentation works as pasted: the examples are read from the pages,
 * the server is started with the {@code ./ferry serve} line of docs/http-api.md's "Trying the examples" (on a free
 * port instead of 8080), its {@code ./ferry register} lines are registered (answering with the arguments, as the
 * command does), and each example is run by bash and real curl and must be answered with a 2xx status. A block
 * fenced as {@code ```sh own-setup} starts what its examples need itself and is left to its feature's tests.
 */
class DocsCurlExamplesTest {
    private static final String KEY = "docs-example-key-0123456789abcdef";
    private static final String SETUP_PAGE = "docs/http-api.md";
    private static final String SETUP_HEADING = "## Trying the examples";
    /**
     * The info-string word of a fenced block whose examples start their own setup (another process, other
     * settings) before their curl lines; such a block is run by its feature's own tests, not here.
     */
    static final String OWN_SETUP = "own-setup";

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void aBlockThatStartsItsOwnSetupIsLeftToItsFeaturesTests() {
        String page = "```sh\ncurl http://127.0.0.1:8080/a\n```\n\n```sh " + OWN_SETUP
                + "\nbackend &\ncurl http://127.0.0.1:8000/b\n```\n```sh\ncurl http://127.0.0.1:8080/c\n```\n";
        assertThat(curlExamples("p.md", page)).extracting(Example::command)
                .containsExactly("curl http://127.0.0.1:8080/a", "curl http://127.0.0.1:8080/c");
    }

    @Test
    void everyCurlExampleOfTheDocsWorksAsPasted() throws Exception {
        Requirements.require(onPath("curl") && onPath("bash"), "curl and bash (apt-get install curl)");
        Path root = repositoryRoot();
        List<Example> examples = new ArrayList<>();
        for (Path page : pages(root)) {
            examples.addAll(curlExamples(root.relativize(page).toString(), Files.readString(page)));
        }
        assertThat(examples).as("curl examples in the docs").hasSizeGreaterThanOrEqualTo(5);

        List<String> setup = setupBlock(Files.readString(root.resolve(SETUP_PAGE)));
        String serveLine = setup.stream().filter(l -> l.startsWith("./ferry serve")).findFirst()
                .orElseThrow(() -> new AssertionError(SETUP_PAGE + ": no ./ferry serve line under " + SETUP_HEADING));
        List<String> args = new ArrayList<>(shellWords(serveLine.substring("./ferry serve".length())));
        args.addAll(List.of("--host", "127.0.0.1", "--port", "0"));
        FerryServer server = serve(args);
        int port = server.port();
        for (String line : setup) {
            if (line.startsWith("./ferry register ")) {
                String proc = shellWords(line.substring("./ferry register ".length())).get(0);
                FerryClient callee = FerryClient.connect(server.webSocketUri());
                open.add(callee);
                callee.register(proc, a -> a).get(30, TimeUnit.SECONDS);
            }
        }

        List<String> failures = new ArrayList<>();
        for (Example e : examples) {
            String outcome = run(e, port);
            if (outcome != null) {
                failures.add(e.where() + ": " + e.command() + "\n    " + outcome);
            }
        }
        assertThat(failures).as("examples that do not work as pasted").isEmpty();
    }

    /** One curl command of a page, continuation lines joined. */
    record Example(String where, String command) {
    }

    /** Null when the example was answered 2xx; otherwise what went wrong. */
    private static String run(Example e, int port) throws IOException, InterruptedException {
        boolean stream = e.command().matches("(?s).*\\s(-N|--no-buffer)\\s.*");
        // a stream example (SSE) runs until curl's own time limit: that it was answered 200 is what counts
        String timed = e.command().replace("127.0.0.1:8080", "127.0.0.1:" + port)
                .replaceFirst("^curl ", "curl -sS --max-time " + (stream ? 2 : 20) + " -w '\\\\n%{http_code}' ");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", timed).redirectErrorStream(true);
        pb.environment().put("KEY", KEY);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "did not end within 60 s";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String status = out.substring(out.lastIndexOf('\n') + 1);
        boolean ok = status.matches("2\\d\\d") && (p.exitValue() == 0 || (stream && p.exitValue() == 28));
        return ok ? null : "exit " + p.exitValue() + ", output: " + out;
    }

    private FerryServer serve(List<String> args) {
        FerryCommand root = new FerryCommand(Map.of(), new ByteArrayInputStream(new byte[0]));
        List<String> all = new ArrayList<>(List.of("serve"));
        all.addAll(args);
        CommandLine.ParseResult parsed = FerryCommand.commandLine(root).parseArgs(all.toArray(String[]::new));
        FerryServer server = ((ServeCommand) parsed.subcommand().commandSpec().userObject()).server();
        open.add(server);
        server.start();
        return server;
    }

    /** The words bash makes of {@code text} (quotes removed, $KEY expanded), without a trailing {@code &} or comment. */
    private static List<String> shellWords(String text) throws IOException, InterruptedException {
        String words = withoutComment(text).strip().replaceAll("&$", "");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "printf '%s\\0' " + words);
        pb.environment().put("KEY", KEY);
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return Arrays.stream(out.split("\0")).filter(w -> !w.isEmpty()).toList();
    }

    /** {@code line} up to a shell comment: a {@code #} after whitespace and outside quotes ({@code 'admin #'} stays). */
    static String withoutComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '#' && i > 0 && Character.isWhitespace(line.charAt(i - 1))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** The shell lines of the first code block under the setup heading. */
    static List<String> setupBlock(String page) {
        int at = page.indexOf("\n" + SETUP_HEADING + "\n");
        assertThat(at).as(SETUP_PAGE + " has a section " + SETUP_HEADING).isNotNegative();
        String rest = page.substring(at);
        int open = rest.indexOf("\n```");
        int close = rest.indexOf("\n```", open + 4);
        return rest.substring(rest.indexOf('\n', open + 1) + 1, close).lines().map(String::strip).toList();
    }

    /** The curl commands of a page's code blocks, each with its continuation lines. */
    static List<Example> curlExamples(String name, String page) {
        List<Example> out = new ArrayList<>();
        boolean inCode = false;
        boolean ownSetup = false;
        StringBuilder current = null;
        int lineNo = 0;
        int startLine = 0;
        for (String line : page.split("\n", -1)) {
            lineNo++;
            if (line.strip().startsWith("```")) {
                inCode = !inCode;
                ownSetup = inCode && line.strip().endsWith(" " + OWN_SETUP);
                continue;
            }
            if (!inCode || ownSetup) {
                continue;
            }
            String s = line.strip();
            if (current == null && (s.startsWith("curl ") || s.startsWith("$ curl "))) {
                current = new StringBuilder();
                startLine = lineNo;
                s = s.startsWith("$ ") ? s.substring(2) : s;
            }
            if (current == null) {
                continue;
            }
            if (s.endsWith("\\")) {
                current.append(s, 0, s.length() - 1).append(' ');
            } else {
                current.append(s);
                out.add(new Example(name + ":" + startLine, current.toString().replaceAll("\\s+#[^'\"]*$", "").strip()));
                current = null;
            }
        }
        return out;
    }

    /** The Markdown files of the repository, outside build output, installed packages and hidden directories. */
    private static List<Path> pages(Path root) throws IOException {
        List<Path> pages = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                boolean skip = !dir.equals(root) && (name.startsWith(".") || name.equals("node_modules")
                        || name.equals("target"));
                return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (file.getFileName().toString().endsWith(".md")) {
                    pages.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        pages.sort(null);
        return pages;
    }

    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve(SETUP_PAGE))) {
            p = p.getParent();
        }
        assertThat(p).as("a directory above the working directory holding " + SETUP_PAGE).isNotNull();
        return p;
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }
}
