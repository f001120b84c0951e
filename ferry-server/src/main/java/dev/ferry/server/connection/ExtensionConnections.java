package dev.ferry.server.connection;

import dev.ferry.protocol.Payload;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.Grants;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.auth.Security;
import dev.ferry.server.extension.ExtensionConnection;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.hub.Subscriber;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Makes the connections of extensions ({@link ExtensionConnection}): a {@link Connection} each, from the server's
 * {@link ConnectionFactory}, over a transport that hands deliveries to the extension. Thread-safe.
 */
public final class ExtensionConnections implements ExtensionConnection.Opener {
    private final ConnectionFactory factory;
    private final Security security;

    /** Connections made by {@code factory}, scoped by the permissions {@code security} holds at the time. */
    public ExtensionConnections(ConnectionFactory factory, Security security) {
        this.factory = factory;
        this.security = security;
    }

    @Override
    public ExtensionConnection open(String name, EventExecutor executor, Consumer<Delivery> deliveries) {
        return new Link(name, executor, deliveries);
    }

    /** One extension's connection, and its transport. */
    private final class Link implements ExtensionConnection, Transport {
        private final EventExecutor executor;
        private final Consumer<Delivery> deliveries;
        private final Identity identity;
        private final Connection connection;

        Link(String name, EventExecutor executor, Consumer<Delivery> deliveries) {
            this.executor = executor;
            this.deliveries = deliveries;
            this.identity = Identity.apiKey(name, Grants.ALL);
            this.connection = factory.openExtension(scope(), this);
        }

        private AccessScope scope() {
            return security.permissions().scope(identity);
        }

        @Override
        public String subscribe(String pattern) {
            return describe(connection.subscribe(pattern));
        }

        @Override
        public boolean unsubscribe(String pattern) {
            return connection.unsubscribe(pattern);
        }

        @Override
        public String publish(String topic, Payload data, Map<String, String> tags, BiConsumer<Long, Throwable> then) {
            Refusal r = connection.admitPublish(topic, data, tags);
            if (r != null) {
                return describe(r);
            }
            connection.publishAdmitted(topic, data, tags, null).whenComplete((published, failure) -> {
                if (failure != null && !tags.isEmpty() && unsupported(failure)) {
                    executor.execute(() -> connection.publishAdmitted(topic, data, Map.of(), null)
                            .whenComplete((p, e) -> then.accept(p == null ? null : p.offset(), e)));
                } else {
                    then.accept(published == null ? null : published.offset(), failure);
                }
            });
            return null;
        }

        private static boolean unsupported(Throwable failure) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            return cause instanceof UnsupportedOperationException;
        }

        @Override
        public boolean isSubscriber(Subscriber s) {
            return s == connection;
        }

        @Override
        public void close() {
            connection.closed();
        }

        private static String describe(Refusal r) {
            return r == null ? null : r.code().wire() + ": " + r.message();
        }

        // ---- Transport

        @Override
        public EventExecutor executor() {
            return executor;
        }

        @Override
        public void deliver(Delivery d) {
            deliveries.accept(d);
        }

        /** Not a publication (a presence push): nothing an extension carries. */
        @Override
        public void write(ByteBuf frame, boolean binary) {
            frame.release();
        }

        @Override
        public void close(int code, String reason) {
            connection.closed();
        }

        @Override
        public String kind() {
            return "extension";
        }

        /**
         * A reload changed the rules: the extension keeps its identity (a reload gives an API key connection the
         * grants of the configured key of its name, which an extension's is not), under the new rules.
         */
        @Override
        public void permissionsChanged(Connection c) {
            c.scope(scope());
        }
    }
}
