package dev.ferry.server.testing;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** Reads a permessage-deflate message as a client does, for tests that look inside compressed frames. */
public final class MessageInflater {
    private MessageInflater() {
    }

    /** RFC 7692 §7.2.2: 00 00 ff ff appended to the message's payload, then raw inflate. */
    public static byte[] inflate(byte[] payload) throws DataFormatException {
        Inflater i = new Inflater(true);
        byte[] in = Arrays.copyOf(payload, payload.length + 4);
        in[payload.length + 2] = (byte) 0xff;
        in[payload.length + 3] = (byte) 0xff;
        i.setInput(in);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!i.needsInput()) {
            int n = i.inflate(buf);
            out.write(buf, 0, n);
            if (n == 0) {
                break;
            }
        }
        i.end();
        return out.toByteArray();
    }
}
