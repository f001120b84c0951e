package dev.ferry.server.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.Channel;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** The I/O transport: native epoll where available (Linux), NIO elsewhere. */
public final class Transport {
    private final String name;
    private final IoHandlerFactoryMaker handlers;
    private final Class<? extends ServerChannel> serverChannelClass;

    private interface IoHandlerFactoryMaker {
        IoHandlerFactory make();
    }

    private Transport(String name, IoHandlerFactoryMaker handlers, Class<? extends ServerChannel> serverChannelClass) {
        this.name = name;
        this.handlers = handlers;
        this.serverChannelClass = serverChannelClass;
    }

    /** Epoll when {@code preferNative} and it is available, NIO otherwise. */
    public static Transport select(boolean preferNative) {
        if (preferNative && Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler::newFactory, EpollServerSocketChannel.class);
        }
        return new Transport("nio", NioIoHandler::newFactory, NioServerSocketChannel.class);
    }

    /** The client socket class for outgoing connections made from the event loops of {@code channel}. */
    public static Class<? extends SocketChannel> socketChannelClassFor(Channel channel) {
        return channel instanceof EpollSocketChannel || channel instanceof EpollServerSocketChannel
                ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The client socket class of this transport. */
    public Class<? extends SocketChannel> socketChannelClass() {
        return serverChannelClass == EpollServerSocketChannel.class ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** A group of {@code threads} event loops. */
    public EventLoopGroup newGroup(int threads, String threadName) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true), handlers.make());
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return serverChannelClass;
    }

    public String name() {
        return name;
    }
}
