package dev.ferry.bench.fanout;

import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.function.Supplier;

/** The client I/O transport: native epoll where available, NIO otherwise. */
public final class ClientTransport {
    private final String name;
    private final Supplier<IoHandlerFactory> handlers;
    private final Class<? extends SocketChannel> channelClass;

    private ClientTransport(String name, Supplier<IoHandlerFactory> handlers,
            Class<? extends SocketChannel> channelClass) {
        this.name = name;
        this.handlers = handlers;
        this.channelClass = channelClass;
    }

    public static ClientTransport select() {
        if (Epoll.isAvailable()) {
            return new ClientTransport("epoll", EpollIoHandler::newFactory, EpollSocketChannel.class);
        }
        return new ClientTransport("nio", NioIoHandler::newFactory, NioSocketChannel.class);
    }

    public EventLoopGroup newGroup(int threads, String threadName) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true), handlers.get());
    }

    /** A bootstrap on {@code group} for this transport, with the options every bench connection uses. */
    public Bootstrap bootstrap(EventLoopGroup group) {
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        if (name.equals("epoll")) {
            // Bound to an explicit source address, let connect() pick the port per (source, destination) pair
            // instead of bind() reserving one per source address.
            b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        return b;
    }

    public String name() {
        return name;
    }
}
