package dev.ferry.bench.fanout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;

/** The load generator only ever talks to loopback: these checks and addresses keep it so. */
public final class Loopback {
    /** 127.0.0.1 to 127.0.0.254. */
    public static final int MAX_SOURCE_ADDRESSES = 254;

    private Loopback() {
    }

    /** Rejects any URL but {@code ws://127.0.0.x:port/...} or {@code ws://localhost:port/...}. */
    public static void checkUrl(URI url) {
        if (!"ws".equals(url.getScheme())) {
            throw new IllegalArgumentException("url: " + url + " (expected: ws://127.0.0.x:port/v1/ws)");
        }
        String host = url.getHost();
        if (host == null || !(host.equals("localhost") || host.matches("127\\.0\\.0\\.([1-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])"))) {
            throw new IllegalArgumentException("url: " + url + " (expected: a 127.0.0.x or localhost address)");
        }
        if (url.getPort() <= 0) {
            throw new IllegalArgumentException("url: " + url + " (expected: an explicit port)");
        }
    }

    /** The server address of a checked URL. */
    public static InetSocketAddress serverAddress(URI url) {
        String host = url.getHost().equals("localhost") ? "127.0.0.1" : url.getHost();
        return new InetSocketAddress(address(Integer.parseInt(host.substring(host.lastIndexOf('.') + 1))),
                url.getPort());
    }

    /** Local source address number {@code i} of {@code count} (127.0.0.1 + i % count), any port. */
    public static InetSocketAddress source(int i, int count) {
        return new InetSocketAddress(address(1 + i % count), 0);
    }

    private static InetAddress address(int lastOctet) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) lastOctet});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
