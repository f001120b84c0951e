package dev.ferry.client;

import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.Requirements;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Debian's squid as a real HTTP proxy for tests: one instance in the foreground on a free loopback port, with its
 * own configuration, password file and logs in a temporary folder, demanding Basic ({@code basic_ncsa_auth}) or
 * Digest ({@code digest_file_auth}) authentication of one user, and tunnelling {@code CONNECT} to any port.
 * Skips the test (fails it under {@code CI=true}) where squid is not installed.
 */
final class Squid implements AutoCloseable {
    enum Scheme { BASIC, DIGEST }

    private static final Path SQUID = Path.of("/usr/sbin/squid");
    private static final Path BASIC_HELPER = Path.of("/usr/lib/squid/basic_ncsa_auth");
    private static final Path DIGEST_HELPER = Path.of("/usr/lib/squid/digest_file_auth");

    private final Process process;
    private final int port;
    private final Path dir;

    private Squid(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Starts squid in {@code dir} (made readable by the unprivileged user squid runs its helpers as). */
    static Squid start(Path dir, Scheme scheme, String user, String password) throws Exception {
        Path helper = scheme == Scheme.BASIC ? BASIC_HELPER : DIGEST_HELPER;
        Requirements.require(Files.isExecutable(SQUID) && Files.isExecutable(helper),
                "Debian's squid with " + helper.getFileName() + " (apt-get install squid)");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path passwords = dir.resolve("passwords");
        Files.writeString(passwords, user + ":" + (scheme == Scheme.BASIC ? md5Crypt(password, "ferrysal") : password) + "\n");
        Files.setPosixFilePermissions(passwords, PosixFilePermissions.fromString("rw-r--r--"));
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String auth = scheme == Scheme.BASIC ? "basic" : "digest";
        Path conf = dir.resolve("squid.conf");
        Files.writeString(conf, String.join("\n",
                "http_port 127.0.0.1:" + port,
                "visible_hostname ferry-test",
                "pid_filename none",
                "pinger_enable off",
                "cache_log stdio:" + dir.resolve("cache.log"),
                "access_log stdio:" + dir.resolve("access.log"),
                "cache deny all",
                "coredump_dir " + dir,
                "shutdown_lifetime 0 seconds",
                "auth_param " + auth + " program " + helper + " " + passwords,
                "auth_param " + auth + " realm ferry-test",
                "auth_param " + auth + " children 1 startup=1 idle=1",
                "acl authenticated proxy_auth REQUIRED",
                "http_access allow authenticated",
                "http_access deny all",
                ""));
        Process p = new ProcessBuilder(SQUID.toString(), "-N", "-f", conf.toString(), "-n", "ferrytest" + port)
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("squid.out").toFile())
                .start();
        Squid squid = new Squid(p, port, dir);
        try {
            Await.until("squid listening on 127.0.0.1:" + port, Duration.ofSeconds(60),
                    () -> !p.isAlive() || squid.accepts());
            if (!p.isAlive()) {
                throw new IllegalStateException("squid exited: " + Files.readString(dir.resolve("squid.out"))
                        + (Files.exists(dir.resolve("cache.log")) ? Files.readString(dir.resolve("cache.log")) : ""));
            }
        } catch (RuntimeException | Error e) {
            squid.close();
            throw e;
        }
        return squid;
    }

    /**
     * The MD5-based crypt ({@code $1$salt$hash}) of {@code password}, one of the forms {@code basic_ncsa_auth} reads
     * (it does not read {@code {SHA}}): MD5 of the password, {@code $1$} and the salt, fed the MD5 of
     * password-salt-password, then 1000 rounds mixing password, salt and the previous sum, printed in crypt's
     * base-64 alphabet in its byte order.
     */
    static String md5Crypt(String password, String salt) throws Exception {
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        byte[] sl = salt.getBytes(StandardCharsets.US_ASCII);
        MessageDigest alt = MessageDigest.getInstance("MD5");
        alt.update(pw);
        alt.update(sl);
        alt.update(pw);
        byte[] altSum = alt.digest();
        MessageDigest ctx = MessageDigest.getInstance("MD5");
        ctx.update(pw);
        ctx.update("$1$".getBytes(StandardCharsets.US_ASCII));
        ctx.update(sl);
        for (int left = pw.length; left > 0; left -= 16) {
            ctx.update(altSum, 0, Math.min(left, 16));
        }
        for (int i = pw.length; i != 0; i >>>= 1) {
            ctx.update((i & 1) != 0 ? 0 : pw[0]);
        }
        byte[] sum = ctx.digest();
        for (int i = 0; i < 1000; i++) {
            MessageDigest r = MessageDigest.getInstance("MD5");
            r.update((i & 1) != 0 ? pw : sum);
            if (i % 3 != 0) {
                r.update(sl);
            }
            if (i % 7 != 0) {
                r.update(pw);
            }
            r.update((i & 1) != 0 ? sum : pw);
            sum = r.digest();
        }
        StringBuilder out = new StringBuilder("$1$").append(salt).append('$');
        int[][] groups = {{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}};
        for (int[] g : groups) {
            base64(out, (sum[g[0]] & 0xff) << 16 | (sum[g[1]] & 0xff) << 8 | (sum[g[2]] & 0xff), 4);
        }
        base64(out, sum[11] & 0xff, 2);
        return out.toString();
    }

    private static void base64(StringBuilder out, int v, int chars) {
        String alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for (int i = 0; i < chars; i++) {
            out.append(alphabet.charAt(v & 0x3f));
            v >>>= 6;
        }
    }

    private boolean accepts() {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The access log so far: one line per request, written when it ends (a tunnel when it closes). */
    String accessLog() throws IOException {
        Path log = dir.resolve("access.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
