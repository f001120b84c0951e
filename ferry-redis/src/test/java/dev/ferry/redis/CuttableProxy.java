package dev.ferry.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1 to a target port that a test can cut (close everything) and open again, or stall (hold
 * every byte, both ways, with the connections left open: a hung server as its clients see it) and resume.
 */
final class CuttableProxy implements AutoCloseable {
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private int port;
    /** Guarded by this: while true, the pipes hold what they read until {@link #resume()}. */
    private boolean stalled;

    CuttableProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        open();
    }

    int port() {
        return port;
    }

    synchronized void open() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        port = s.getLocalPort();
        server = s;
        Thread t = new Thread(() -> accept(s), "proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket in = s.accept();
                Socket out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(in);
                sockets.add(out);
                pipe(in, out);
                pipe(out, in);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] b = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(b)) > 0) {
                    awaitFlowing();
                    out.write(b, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // cut
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    /** Holds every byte read from now on, both ways, until {@link #resume()}; connections stay open. */
    synchronized void stall() {
        stalled = true;
    }

    /** Lets the held bytes and what follows through. */
    synchronized void resume() {
        stalled = false;
        notifyAll();
    }

    private synchronized void awaitFlowing() throws IOException {
        while (stalled) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stalled", e);
            }
        }
    }

    /** Stops accepting and closes every relayed connection. */
    synchronized void cut() {
        stalled = false;
        notifyAll();
        closeQuietly(server);
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }

    @Override
    public void close() {
        cut();
    }
}
