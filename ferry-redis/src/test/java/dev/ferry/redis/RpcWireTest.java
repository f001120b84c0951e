package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Payload;
import dev.ferry.server.engine.DisclosedCaller;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A call between nodes carries the caller's disclosure, and reads the same from nodes that do not send it. */
class RpcWireTest {
    private static final Payload ARGS = Payload.json("[1,2]".getBytes(StandardCharsets.UTF_8));

    @Test
    void aDisclosedCallerTravelsWithTheCall() {
        byte[] bytes = RpcWire.call("n1", 7, "app1.x", 500, ARGS, true, new DisclosedCaller(42, "ops", "user"));
        RpcWire.Call c = (RpcWire.Call) RpcWire.decode(bytes);
        assertThat(c.disclosed()).isEqualTo(new DisclosedCaller(42, "ops", "user"));
        assertThat(c.progress()).isTrue();
        assertThat(c.invocationId()).isEqualTo(7);
        assertThat(new String(c.args().bytes(), StandardCharsets.UTF_8)).isEqualTo("[1,2]");

        assertThat(((RpcWire.Call) RpcWire.decode(RpcWire.call("n1", 8, "app1.x", 500, ARGS, false, null)))
                .disclosed()).isNull();
    }

    @Test
    void callsInTheEarlierFormatReadAsUndisclosed() throws IOException {
        byte[] withProgress = earlierCall(true);
        RpcWire.Call c = (RpcWire.Call) RpcWire.decode(withProgress);
        assertThat(c.progress()).isTrue();
        assertThat(c.disclosed()).isNull();
        byte[] withoutProgress = Arrays.copyOf(withProgress, withProgress.length - 1);
        c = (RpcWire.Call) RpcWire.decode(withoutProgress);
        assertThat(c.progress()).isFalse();
        assertThat(c.disclosed()).isNull();
    }

    @Test
    void theDisclosureFollowsEveryFieldOfTheEarlierFormat() throws IOException {
        // a node that reads the earlier format stops before the disclosure: the fields it reads are unchanged
        byte[] earlier = earlierCall(true);
        byte[] now = RpcWire.call("n1", 7, "app1.x", 500, ARGS, true, new DisclosedCaller(42, "ops", "user"));
        assertThat(Arrays.copyOf(now, earlier.length)).isEqualTo(earlier);
    }

    /** A call as nodes without caller disclosure send it: the fields up to {@code progress}. */
    private static byte[] earlierCall(boolean progress) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte('C');
            out.writeUTF("n1");
            out.writeLong(7);
            out.writeUTF("app1.x");
            out.writeLong(500);
            out.writeByte('j');
            out.writeInt(ARGS.length());
            out.write(ARGS.bytes());
            out.writeBoolean(progress);
        }
        return bytes.toByteArray();
    }
}
