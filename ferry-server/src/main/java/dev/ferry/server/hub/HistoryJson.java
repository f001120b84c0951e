package dev.ferry.server.hub;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The JSON shapes of positions and history pages, shared by ferry.v1 replies and the HTTP API. */
public final class HistoryJson {
    private static final JsonFactory JSON = new JsonFactory();

    private HistoryJson() {
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static Payload object(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Payload.json(out.toByteArray());
    }

    private static void position(JsonGenerator g, String epoch, long offset) throws IOException {
        if (epoch != null) {
            g.writeStringField("epoch", epoch);
        }
        g.writeNumberField("offset", offset);
    }

    /** {@code {"topic", "epoch"?, "offset"}}: the reply to {@code sub} of a concrete topic. */
    public static Payload position(Hub.Position p) {
        return object(g -> {
            g.writeStringField("topic", p.topic());
            position(g, p.epoch(), p.offset());
        });
    }

    /**
     * {@code {"topic", "epoch", "offset"}}: where a publication stands, the acknowledgement of {@code pub} and the
     * answer of {@code POST /v1/publish}. Written by hand: it is on the path of every acknowledged publication.
     */
    public static Payload published(String topic, dev.ferry.server.engine.Published p) {
        byte[] t = dev.ferry.protocol.FrameCodec.quote(topic);
        byte[] e = dev.ferry.protocol.FrameCodec.quote(p.epoch());
        String offset = Long.toString(p.offset());
        byte[] out = new byte[9 + t.length + 9 + e.length + 10 + offset.length() + 1];
        int i = put(out, 0, "{\"topic\":");
        System.arraycopy(t, 0, out, i, t.length);
        i = put(out, i + t.length, ",\"epoch\":");
        System.arraycopy(e, 0, out, i, e.length);
        i = put(out, i + e.length, ",\"offset\":");
        i = put(out, i, offset);
        out[i] = '}';
        return Payload.json(out);
    }

    private static int put(byte[] out, int at, String ascii) {
        for (int k = 0; k < ascii.length(); k++) {
            out[at + k] = (byte) ascii.charAt(k);
        }
        return at + ascii.length();
    }

    /** {@code {"topic", "epoch"?, "offset", "recovered"}}: the reply to {@code sub} of a concrete topic with since. */
    public static Payload recovery(Hub.Recovery r) {
        return object(g -> {
            g.writeStringField("topic", r.topic());
            position(g, r.epoch(), r.offset());
            g.writeBooleanField("recovered", r.recovered());
        });
    }

    /** {@code {"topic": pattern, "positions": [...]}}: the reply to {@code sub} of a pattern with since. */
    public static Payload recoveries(String pattern, List<Hub.Recovery> rs) {
        return object(g -> {
            g.writeStringField("topic", pattern);
            g.writeArrayFieldStart("positions");
            for (Hub.Recovery r : rs) {
                g.writeStartObject();
                g.writeStringField("topic", r.topic());
                position(g, r.epoch(), r.offset());
                g.writeBooleanField("recovered", r.recovered());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /**
     * {@code {"topic", "epoch"?, "offset", "first", "items": [{"offset", "time", "tags"?, "data" | "data_base64"}]}}.
     */
    public static Payload page(Hub.HistoryPage page) {
        return object(g -> {
            g.writeStringField("topic", page.topic());
            position(g, page.epoch(), page.offset());
            g.writeNumberField("first", page.first());
            g.writeArrayFieldStart("items");
            for (int i = 0; i < page.items().size(); i++) {
                Frame.Msg m = page.items().get(i);
                g.writeStartObject();
                g.writeNumberField("offset", m.offset());
                g.writeNumberField("time", page.timesMillis().get(i));
                if (!m.tags().isEmpty()) {
                    g.writeObjectFieldStart("tags");
                    for (Map.Entry<String, String> t : new TreeMap<>(m.tags()).entrySet()) {
                        g.writeStringField(t.getKey(), t.getValue());
                    }
                    g.writeEndObject();
                }
                if (m.data().isBinary()) {
                    g.writeStringField("data_base64", Base64.getEncoder().encodeToString(m.data().bytes()));
                } else {
                    g.writeFieldName("data");
                    g.writeRawValue(new String(m.data().bytes(), StandardCharsets.UTF_8));
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }
}
