package dev.ferry.server.admin;

import dev.ferry.server.auth.SecurityCounters;
import dev.ferry.server.transport.ByteCounter;
import dev.ferry.server.transport.ReassemblyBudget;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.presence.Presence;
import dev.ferry.server.session.ResumableSessions;
import dev.ferry.server.transport.OpenChannels;
import dev.ferry.server.transport.OutboundQueues;
import dev.ferry.server.tunnel.Tunnels;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;

/**
 * Binds the server's counters and gauges, the JVM's and Netty's allocator's to a registry. Nothing here runs on
 * the message path: counters that move per message are {@code LongAdder}s in the hub, the outbound queues and the security counters,
 * read only when the registry is scraped.
 */
public final class FerryMetrics implements AutoCloseable {
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public FerryMetrics(MeterRegistry r, OpenChannels channels, OutboundQueues queues, ByteCounter bytes,
                        ReassemblyBudget reassembly, SecurityCounters sec, Hub hub, Tunnels tunnels, Presence presence,
                        ResumableSessions resumable) {
        Gauge.builder("ferry.connections", channels, OpenChannels::openChannels)
                .description("open TCP connections (HTTP and WebSocket)").register(r);
        Gauge.builder("ferry.sessions", channels, OpenChannels::openSessions)
                .description("open ferry.v1 sessions").register(r);
        Gauge.builder("ferry.sessions.resumable", resumable, s -> s.store().size())
                .description("resumable sessions this node keeps (attached to a connection or awaiting their client)")
                .register(r);
        Gauge.builder("ferry.subscriptions", hub, h -> h.subscriptions())
                .description("(pattern, connection) subscriptions").register(r);
        FunctionCounter.builder("ferry.publications", hub, h -> h.publications())
                .description("publications accepted").register(r);
        FunctionCounter.builder("ferry.deliveries", hub, h -> h.deliveries())
                .description("publications handed to subscribers' queues").register(r);
        Gauge.builder("ferry.topic.rates.tracked", hub, h -> h.topicRates().size())
                .description("topics whose publication rate the node tracks (at most 10000)").register(r);
        FunctionCounter.builder("ferry.topic.rates.untracked", hub, h -> h.topicRates().untracked())
                .description("publications not counted in a topic rate: 10000 busier topics were tracked").register(r);
        FunctionCounter.builder("ferry.slow.consumer.closes", queues, OutboundQueues::slowConsumerCloses)
                .description("connections closed with 4001 because their outbound queue overflowed").register(r);
        FunctionCounter.builder("ferry.lossy.drops", queues, OutboundQueues::lossyDrops)
                .description("publications of lossy topics dropped for subscribers that were behind").register(r);
        FunctionCounter.builder("ferry.bytes", bytes, ByteCounter::bytesIn).tag("direction", "in")
                .baseUnit("bytes").description("bytes read from client sockets (all transports, TLS included)").register(r);
        FunctionCounter.builder("ferry.bytes", bytes, ByteCounter::bytesOut).tag("direction", "out")
                .baseUnit("bytes").description("bytes written to client sockets (all transports, TLS included)").register(r);
        Gauge.builder("ferry.outbound.queued", queues, OutboundQueues::queuedBytes).baseUnit("bytes")
                .description("bytes waiting in WebSocket connections' outbound queues (bounded by websocket.outbound-queue-bytes each)")
                .register(r);
        Gauge.builder("ferry.websocket.reassembly", reassembly, ReassemblyBudget::held).baseUnit("bytes")
                .description("bytes held by unfinished fragmented WebSocket messages (bounded by limits.reassembly-bytes in all)")
                .register(r);
        FunctionCounter.builder("ferry.websocket.reassembly.closes", reassembly, ReassemblyBudget::timeoutCloses)
                .tag("reason", "timeout")
                .description("connections closed because a fragmented message was not completed in time (4008) or was beyond the budget (4009)")
                .register(r);
        FunctionCounter.builder("ferry.websocket.reassembly.closes", reassembly, ReassemblyBudget::budgetCloses)
                .tag("reason", "budget")
                .description("connections closed because a fragmented message was not completed in time (4008) or was beyond the budget (4009)")
                .register(r);
        Gauge.builder("ferry.outbound.socket.pending", channels, OpenChannels::socketPendingBytes).baseUnit("bytes")
                .description("bytes handed to sockets that the kernel has not taken yet").register(r);
        FunctionCounter.builder("ferry.auth.failures", sec, c -> c.snapshot().authFailures())
                .description("credentials refused (upgrades, SSE, fallback sessions, tunnels, HTTP API, auth command)").register(r);
        FunctionCounter.builder("ferry.forbidden", sec, c -> c.snapshot().forbidden())
                .description("actions denied by permissions").register(r);
        FunctionCounter.builder("ferry.rate.limited", sec, c -> c.snapshot().rateLimited())
                .description("publications and calls refused by a rate limit").register(r);
        FunctionCounter.builder("ferry.pending.calls.refused", sec, c -> c.snapshot().pendingCallsRefused())
                .description("calls refused by limits.max-pending-calls").register(r);
        FunctionCounter.builder("ferry.connections.refused", sec, c -> c.snapshot().connectionsRefused())
                .description("connections refused by limits.connections-per-ip").register(r);
        FunctionCounter.builder("ferry.token.expired.closes", sec, c -> c.snapshot().expiredCloses())
                .description("connections closed because their token expired").register(r);
        FunctionCounter.builder("ferry.rate.limit.closes", sec, SecurityCounters::rateLimitCloses)
                .description("connections closed with 4010 for exceeding limits.message-rate beyond limits.message-excess")
                .register(r);
        PooledByteBufAllocatorMetric netty = PooledByteBufAllocator.DEFAULT.metric();
        Gauge.builder("netty.allocator.used.direct", netty, PooledByteBufAllocatorMetric::usedDirectMemory)
                .baseUnit("bytes").register(r);
        Gauge.builder("netty.allocator.used.heap", netty, PooledByteBufAllocatorMetric::usedHeapMemory)
                .baseUnit("bytes").register(r);
        tunnels.bindMetrics(r);
        FunctionCounter.builder("ferry.presence.pushes", presence, p -> p.pushes())
                .description("presence_diff pushes (one per topic and window, whatever the receivers)").register(r);
        FunctionCounter.builder("ferry.presence.resets", presence, p -> p.resets())
                .description("presence windows pushed as a reset (more than max-diff changes)").register(r);
        FunctionCounter.builder("ferry.presence.unlisted", presence, p -> p.unlisted())
                .description("presence joins not listed because the topic held max-entries").register(r);
        if (hub.engine() instanceof dev.ferry.server.engine.MemoryEngine topics) {
            // the engine is held by the hub for the server's life, so the meters' weak references stay valid
            Gauge.builder("ferry.topics", topics, dev.ferry.server.engine.MemoryEngine::topics)
                    .description("topics the memory engine holds (at most limits.max-topics)").register(r);
            FunctionCounter.builder("ferry.topics.refused", topics, dev.ferry.server.engine.MemoryEngine::topicsRefused)
                    .description("publications and state writes refused with too_many_topics").register(r);
            FunctionCounter.builder("ferry.topics.freed", topics, dev.ferry.server.engine.MemoryEngine::topicsFreed)
                    .description("idle topics freed (no subscriber, state document or unexpired history)").register(r);
        }
        new JvmMemoryMetrics().bindTo(r);
        new JvmThreadMetrics().bindTo(r);
        new ClassLoaderMetrics().bindTo(r);
        new ProcessorMetrics().bindTo(r);
        gc.bindTo(r);
    }

    @Override
    public void close() {
        gc.close();
    }
}
