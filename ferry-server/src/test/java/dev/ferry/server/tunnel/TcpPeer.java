package dev.ferry.server.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A plain blocking TCP server on 127.0.0.1 standing in for a tunnel's upstream: it either echoes every connection
 * or hands the accepted sockets to the test, which reads and writes them as it likes.
 */
public final class TcpPeer implements AutoCloseable {
    private final ServerSocket server;
    private final boolean echo;
    private final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();

    private TcpPeer(boolean echo) throws IOException {
        this.server = new ServerSocket();
        // A fixed, small receive buffer (no autotuning), so that a peer that does not read pushes back soon.
        server.setReceiveBufferSize(64 * 1024);
        server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        this.echo = echo;
        Thread t = new Thread(this::acceptLoop, "tcp-peer-accept");
        t.setDaemon(true);
        t.start();
    }

    public static TcpPeer echo() throws IOException {
        return new TcpPeer(true);
    }

    /** Accepted sockets are neither read nor written: the test takes them with {@link #nextAccepted()}. */
    public static TcpPeer manual() throws IOException {
        return new TcpPeer(false);
    }

    public int port() {
        return server.getLocalPort();
    }

    public Socket nextAccepted() throws InterruptedException {
        Socket s = accepted.poll(30, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("no connection reached the upstream within 10 s");
        }
        return s;
    }

    /** Whether no connection reached this peer within {@code quiet} (for refusals that must not connect upstream). */
    public boolean nothingAcceptedWithin(java.time.Duration quiet) throws InterruptedException {
        return accepted.poll(quiet.toMillis(), TimeUnit.MILLISECONDS) == null;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.add(s);
                if (echo) {
                    Thread t = new Thread(() -> echo(s), "tcp-peer-echo");
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the tunnel closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Socket s;
        while ((s = accepted.poll()) != null) {
            s.close();
        }
    }
}
