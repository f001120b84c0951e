package dev.ferry.bench;

import dev.ferry.bench.fanout.ClientChannelInitializer;
import dev.ferry.bench.fanout.ClientTransport;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.DeflateConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ServerConfig;
import dev.ferry.server.config.WebSocketConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * permessage-deflate against none, in one run: one publisher and {@code --subscribers} subscribers of one topic on
 * an embedded server with one event loop, publishing JSON documents of each size. Reports, per delivery, the bytes
 * the server wrote to the sockets (WebSocket headers included) and the CPU time of the server's event loop (the
 * clients' inflating is not counted: they run on threads of their own). Sizes, modes and rounds take turns, so that
 * the machine's drift falls on both modes alike.
 */
@Command(name = "deflate", mixinStandardHelpOptions = true,
        description = "Bytes and server CPU per delivery with and without permessage-deflate, for JSON of given sizes.")
final class DeflateCommand implements Callable<Integer> {
    private static final String TOPIC = "bench.deflate";

    @Option(names = "--subscribers", defaultValue = "100", description = "Subscribers (default ${DEFAULT-VALUE}).")
    private int subscribers;

    @Option(names = "--publications", defaultValue = "1000", description = "Measured publications per case (default ${DEFAULT-VALUE}).")
    private int publications;

    @Option(names = "--sizes", split = ",", defaultValue = "128,2048,32768", description = "JSON payload sizes in bytes (default ${DEFAULT-VALUE}).")
    private List<Integer> sizes;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds of every case (default ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--threshold", defaultValue = "0", description = "websocket.deflate-threshold-bytes with deflate (default ${DEFAULT-VALUE}).")
    private int threshold;

    @Option(names = "--level", defaultValue = "6", description = "websocket.deflate-level (default ${DEFAULT-VALUE}).")
    private int level;

    record Result(int payloadBytes, boolean deflate, long deliveries, double bytesPerDelivery, double cpuNanosPerDelivery) {
    }

    @Override
    public Integer call() throws Exception {
        ClientTransport transport = ClientTransport.select();
        EventLoopGroup clients = transport.newGroup(1, "bench-client");
        try {
            System.out.printf("%-6s %6s %-8s %12s %16s %14s%n", "round", "bytes", "deflate", "deliveries", "wire B/delivery", "CPU us/delivery");
            for (int round = 1; round <= rounds; round++) {
                for (int size : sizes) {
                    for (boolean deflate : new boolean[] {false, true}) {
                        Result r = measure(transport, clients, json(size), deflate);
                        System.out.printf("%-6d %6d %-8s %12d %16.1f %14.2f%n", round, size, deflate ? "on" : "off",
                                r.deliveries(), r.bytesPerDelivery(), r.cpuNanosPerDelivery() / 1000);
                        System.out.printf("{\"bench\":\"deflate\",\"round\":%d,\"payload_bytes\":%d,\"deflate\":%s,\"threshold\":%d,"
                                        + "\"level\":%d,\"subscribers\":%d,\"deliveries\":%d,\"wire_bytes_per_delivery\":%.1f,"
                                        + "\"cpu_ns_per_delivery\":%.0f}%n", round, size, deflate, threshold, level, subscribers,
                                r.deliveries(), r.bytesPerDelivery(), r.cpuNanosPerDelivery());
                    }
                }
            }
        } finally {
            clients.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        return 0;
    }

    private Result measure(ClientTransport transport, EventLoopGroup clients, String data, boolean deflate) throws Exception {
        WebSocketConfig d = WebSocketConfig.DEFAULT;
        WebSocketConfig ws = new WebSocketConfig(d.maxMessageBytes(), d.handshakeTimeout(), d.pingInterval(), d.idleTimeout(),
                d.maxSubscriptions(), 256 << 20, d.fragmentTimeout(), new DeflateConfig(deflate, threshold, level));
        FerryConfig config = FerryConfig.DEFAULT
                .withServer(new ServerConfig("127.0.0.1", 0, 1, ServerConfig.DEFAULT.nativeTransport(), Duration.ofSeconds(5)))
                .withWebSocket(ws);
        LongAdder deliveries = new LongAdder();
        List<Channel> channels = new ArrayList<>();
        try (FerryServer server = FerryServer.builder().config(config).host("127.0.0.1").port(0).build()) {
            server.start();
            CountDownLatch subscribed = new CountDownLatch(subscribers);
            for (int i = 0; i < subscribers; i++) {
                ClientChannelInitializer init = new ClientChannelInitializer(server.webSocketUri(),
                        () -> new Subscriber(subscribed, deliveries));
                channels.add(transport.bootstrap(clients).handler(deflate ? init.withDeflate() : init)
                        .connect(server.address()).sync().channel());
            }
            if (!subscribed.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("subscribers did not subscribe: " + subscribed.getCount() + " left");
            }
            CountDownLatch open = new CountDownLatch(1);
            Channel publisher = transport.bootstrap(clients)
                    .handler(new ClientChannelInitializer(server.webSocketUri(), () -> new Publisher(open)))
                    .connect(server.address()).sync().channel();
            channels.add(publisher);
            if (!open.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("publisher did not connect");
            }
            String pub = "{\"type\":\"pub\",\"topic\":\"" + TOPIC + "\",\"data\":" + data + "}";
            publish(publisher, pub, publications / 10 + 1, deliveries); // warm-up
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long[] loop = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("ferry-io")).mapToLong(Thread::getId).toArray();
            long cpu0 = cpu(threads, loop);
            double bytes0 = bytesOut(server);
            long d0 = deliveries.sum();
            publish(publisher, pub, publications, deliveries);
            long n = deliveries.sum() - d0;
            return new Result(data.length(), deflate, n, (bytesOut(server) - bytes0) / n, (double) (cpu(threads, loop) - cpu0) / n);
        } finally {
            for (Channel c : channels) {
                c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Publishes {@code count} times, at most 20 publications ahead of the deliveries; returns once all arrived. */
    private void publish(Channel publisher, String pub, int count, LongAdder deliveries) throws Exception {
        long target = deliveries.sum();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (int i = 0; i < count; i++) {
            publisher.writeAndFlush(new TextWebSocketFrame(pub));
            target += subscribers;
            while (deliveries.sum() < target - 20L * subscribers) {
                waitABit(deadline);
            }
        }
        while (deliveries.sum() < target) {
            waitABit(deadline);
        }
    }

    private static void waitABit(long deadline) throws InterruptedException {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("deliveries stalled");
        }
        TimeUnit.MICROSECONDS.sleep(200); // the load generator's pacing, not a test's wait
    }

    private static long cpu(ThreadMXBean threads, long[] ids) {
        long sum = 0;
        for (long id : ids) {
            long t = threads.getThreadCpuTime(id);
            if (t > 0) {
                sum += t;
            }
        }
        return sum;
    }

    private static double bytesOut(FerryServer server) {
        return server.meterRegistry().get("ferry.bytes").tag("direction", "out").functionCounter().count();
    }

    /** A JSON document of about {@code size} bytes: rows of sensor readings, as telemetry or a feed would send. */
    static String json(int size) {
        Random r = new Random(size);
        StringBuilder b = new StringBuilder("{\"rows\":[");
        String[] regions = {"east", "west", "north", "south"};
        int i = 0;
        while (b.length() < size - 80) {
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"id\":").append(1000 + r.nextInt(9000)).append(",\"name\":\"sensor-").append(r.nextInt(64))
                    .append("\",\"region\":\"").append(regions[r.nextInt(4)]).append("\",\"temp\":")
                    .append(String.format(java.util.Locale.ROOT, "%.2f", 15 + r.nextDouble() * 20)).append('}');
            i++;
        }
        b.append("],\"seq\":").append(size).append('}');
        return b.toString();
    }

    /** Subscribes at the handshake; then counts publications (frames of a text message are LF-separated). */
    private static final class Subscriber extends ChannelInboundHandlerAdapter {
        private final CountDownLatch subscribed;
        private final LongAdder deliveries;
        private boolean confirmed;

        Subscriber(CountDownLatch subscribed, LongAdder deliveries) {
            this.subscribed = subscribed;
            this.deliveries = deliveries;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                ctx.writeAndFlush(new TextWebSocketFrame("{\"type\":\"sub\",\"id\":1,\"topic\":\"" + TOPIC + "\"}"));
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof TextWebSocketFrame text) {
                    ByteBuf c = text.content();
                    if (!confirmed) {
                        confirmed = true;
                        subscribed.countDown();
                        return;
                    }
                    int frames = 1;
                    for (int i = c.indexOf(c.readerIndex(), c.writerIndex(), (byte) '\n'); i >= 0;
                            i = c.indexOf(i + 1, c.writerIndex(), (byte) '\n')) {
                        frames++;
                    }
                    deliveries.add(frames);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    /** Signals the open connection; drops whatever arrives. */
    private static final class Publisher extends ChannelInboundHandlerAdapter {
        private final CountDownLatch open;

        Publisher(CountDownLatch open) {
            this.open = open;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                open.countDown();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
