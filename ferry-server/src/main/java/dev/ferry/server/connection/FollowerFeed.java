package dev.ferry.server.connection;

import dev.ferry.protocol.Frame;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.state.StateFollower;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The state channels one connection follows, each on a {@link Connection#channel channel} of it: the hub delivers
 * to the channel's connection core like to any other, and the channel hands the follower its topic's publications
 * alone, whatever the connection subscribes to besides. Event loop only.
 */
public final class FollowerFeed implements StateFollower.Feed {
    private final Connection connection;
    private final Map<StateFollower, Connection> channels = new HashMap<>(4);

    public FollowerFeed(Connection connection) {
        this.connection = connection;
    }

    @Override
    public void subscribe(StateFollower follower, List<Frame.Position> since,
                          BiConsumer<List<Hub.Recovery>, Throwable> then) {
        Connection channel = connection.channel(new ToFollower(follower));
        Connection previous = channels.put(follower, channel);
        if (previous != null) {
            previous.closed();
        }
        channel.subscribe(follower.topic(), since, null, then);
    }

    @Override
    public void unsubscribe(StateFollower follower) {
        Connection channel = channels.remove(follower);
        if (channel != null) {
            channel.closed();
        }
    }

    /** A follower as the transport of its channel: publications as messages, nothing else is written. */
    private record ToFollower(StateFollower follower) implements Transport {
        @Override
        public EventExecutor executor() {
            return follower.executor();
        }

        @Override
        public void deliver(Delivery d) {
            follower.publication(d.msg());
        }

        @Override
        public void write(ByteBuf frame, boolean binary) {
            frame.release(); // a channel is on no presence list: nothing but publications reach it
        }

        @Override
        public void close(int code, String reason) {
            follower.stop();
        }

        @Override
        public void interrupted() {
            follower.interrupted();
        }
    }
}
