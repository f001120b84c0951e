package dev.ferry.server.websocket;

import dev.ferry.server.transport.BoundedFrameAggregator;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.io.IOException;

/** What went wrong on a WebSocket connection, as its handler must answer it; shared by every WebSocket endpoint. */
enum WebSocketFault {
    /** A message beyond the size limit: close 1009. */
    TOO_LARGE,
    /** A frame breaking RFC 6455: close with the status the decoder chose. */
    CORRUPT,
    /**
     * An unfinished fragmented message given up, out of time or beyond the server's budget: close with the code
     * the aggregator chose ({@link BoundedFrameAggregator.Refused}).
     */
    REASSEMBLY,
    /** The network failed: just close. */
    IO,
    /** A fault of ours: log it, close 1011. */
    UNEXPECTED;

    static WebSocketFault of(Throwable cause) {
        if (cause instanceof TooLongFrameException || cause instanceof CorruptedWebSocketFrameException c
                && c.closeStatus().equals(WebSocketCloseStatus.MESSAGE_TOO_BIG)) {
            return TOO_LARGE;
        }
        if (cause instanceof BoundedFrameAggregator.Refused) {
            return REASSEMBLY;
        }
        if (cause instanceof CorruptedWebSocketFrameException) {
            return CORRUPT;
        }
        return cause instanceof IOException ? IO : UNEXPECTED;
    }
}
