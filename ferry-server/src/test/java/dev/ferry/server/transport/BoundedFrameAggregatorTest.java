package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.testing.ManualClock;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The aggregator's time limit and server-wide budget, on embedded channels timed by a manual clock. */
class BoundedFrameAggregatorTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final ManualClock clock = new ManualClock();

    /** Records what the endpoint's handler would get: messages and faults. */
    private static final class Endpoint extends ChannelInboundHandlerAdapter {
        final List<Object> messages = new ArrayList<>();
        final List<Throwable> faults = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            messages.add(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            faults.add(cause);
        }

        int refusedCode() {
            assertThat(faults).hasSize(1);
            assertThat(faults.get(0)).isInstanceOf(BoundedFrameAggregator.Refused.class);
            return ((BoundedFrameAggregator.Refused) faults.get(0)).code();
        }
    }

    private static TextWebSocketFrame first(String text) {
        return new TextWebSocketFrame(false, 0, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    private static ContinuationWebSocketFrame more(String text, boolean fin) {
        return new ContinuationWebSocketFrame(fin, 0, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    private EmbeddedChannel channel(ReassemblyBudget budget, Endpoint endpoint) {
        return new EmbeddedChannel(new BoundedFrameAggregator(1 << 20, budget, TIMEOUT, clock), endpoint);
    }

    @Test
    void aCompletedMessageIsWholeAndGivesItsBytesBack() {
        ReassemblyBudget budget = new ReassemblyBudget(1000);
        Endpoint e = new Endpoint();
        EmbeddedChannel ch = channel(budget, e);
        ch.writeInbound(first("{\"type\":"));
        assertThat(budget.held()).isEqualTo(8);
        ch.writeInbound(more("\"ping\",", false));
        ch.writeInbound(more("\"id\":1}", true));
        assertThat(budget.held()).isZero();
        assertThat(e.messages).hasSize(1);
        TextWebSocketFrame whole = (TextWebSocketFrame) e.messages.get(0);
        assertThat(whole.text()).isEqualTo("{\"type\":\"ping\",\"id\":1}");
        whole.release();
        clock.advance(TIMEOUT.multipliedBy(2));
        assertThat(e.faults).isEmpty(); // the timer stopped with the message
        // Unfragmented messages hold nothing.
        ch.writeInbound(new TextWebSocketFrame("{}"));
        assertThat(budget.held()).isZero();
        ((TextWebSocketFrame) e.messages.get(1)).release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aMessageNotCompletedInTimeIsGivenUpWith4008WhatEverElseArrives() {
        ReassemblyBudget budget = new ReassemblyBudget(1000);
        Endpoint e = new Endpoint();
        EmbeddedChannel ch = channel(budget, e);
        ch.writeInbound(first("{\"type\":"));
        for (int i = 0; i < 9; i++) { // a pong every second, and more fragments: none of it is completion
            clock.advance(Duration.ofSeconds(1));
            ch.writeInbound(new PongWebSocketFrame());
            ch.writeInbound(more(" ", false));
        }
        assertThat(e.faults).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(e.refusedCode()).isEqualTo(CloseCodes.MESSAGE_NOT_COMPLETED);
        assertThat(budget.held()).isZero();
        assertThat(budget.timeoutCloses()).isEqualTo(1);
        // What still arrives is dropped: no message reaches the endpoint, nothing is held.
        ch.writeInbound(more("\"ping\"}", true));
        ch.writeInbound(new TextWebSocketFrame("{\"type\":\"ping\",\"id\":2}"));
        assertThat(e.messages).allMatch(m -> m instanceof PongWebSocketFrame);
        e.messages.forEach(m -> ((PongWebSocketFrame) m).release());
        assertThat(budget.held()).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aFragmentBeyondTheBudgetIsRefusedWith4009AndOthersCarryOn() {
        ReassemblyBudget budget = new ReassemblyBudget(20);
        Endpoint a = new Endpoint();
        Endpoint b = new Endpoint();
        EmbeddedChannel chA = channel(budget, a);
        EmbeddedChannel chB = channel(budget, b);
        chA.writeInbound(first("0123456789"));
        chB.writeInbound(first("0123456789"));
        assertThat(budget.held()).isEqualTo(20);
        chB.writeInbound(more("x", false)); // one byte too many
        assertThat(b.refusedCode()).isEqualTo(CloseCodes.REASSEMBLY_BUDGET_EXHAUSTED);
        assertThat(budget.held()).isEqualTo(10); // B's message was freed at once
        assertThat(budget.budgetCloses()).isEqualTo(1);
        chA.writeInbound(more("abcdefghij", true)); // A fits in what B gave back
        assertThat(a.faults).isEmpty();
        assertThat(((TextWebSocketFrame) a.messages.get(0)).text()).isEqualTo("0123456789abcdefghij");
        ((TextWebSocketFrame) a.messages.get(0)).release();
        assertThat(budget.held()).isZero();
        assertThat(chA.finishAndReleaseAll()).isFalse();
        assertThat(chB.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aConnectionClosingMidMessageGivesItsBytesBack() {
        ReassemblyBudget budget = new ReassemblyBudget(1000);
        EmbeddedChannel ch = channel(budget, new Endpoint());
        ch.writeInbound(first("{\"type\":"));
        ch.writeInbound(more("\"ping\"", false));
        assertThat(budget.held()).isEqualTo(14);
        ch.close();
        assertThat(budget.held()).isZero();
        ch.finishAndReleaseAll();
    }
}
