package dev.ferry.server.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.state.JsonPatch;
import dev.ferry.protocol.state.MergePatch;
import dev.ferry.protocol.state.PatchException;
import dev.ferry.server.config.StateConfig;
import dev.ferry.server.engine.StateStore;
import dev.ferry.server.hub.Hub;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The state channels of a node: which topics are ones, reading their documents, and writing them. A write reads
 * the document and its version, applies the patch in memory (a patch that does not apply changes nothing), checks
 * the size, and commits through the engine only if the version is still the one read: on a race an unconditional
 * write tries again on the newer document, a conditional one ({@code if_version}) is a conflict. Every change is
 * published as the RFC 6902 operations that turn the previous version into the new one (a merge patch is
 * translated), so subscribers apply one kind of patch. Thread-safe.
 */
public final class StateChannels {
    /** Attempts of an unconditional write that keeps losing races before it gives up with a conflict. */
    static final int MAX_ATTEMPTS = 100;
    private static final byte[] EMPTY = "{}".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    /** Read at each use: a reload swaps it. */
    private volatile StateConfig config;
    private final Hub hub;

    public StateChannels(StateConfig config, Hub hub) {
        this.config = config;
        this.hub = hub;
    }

    /** A document at a version, as answered to readers and writers. */
    public record View(String topic, String epoch, long version, byte[] json) {
        /** {@code {"topic","epoch"?,"version"}}, plus {@code "data"} when {@code withData}. */
        public Payload toPayload(boolean withData) {
            return toPayload(withData, null);
        }

        /** As {@link #toPayload(boolean)}, with {@code "recovered"} unless it is null. */
        public Payload toPayload(boolean withData, Boolean recovered) {
            ByteArrayOutputStream b = new ByteArrayOutputStream(64 + (withData ? json.length : 0));
            b.writeBytes("{\"topic\":".getBytes(StandardCharsets.UTF_8));
            b.writeBytes(FrameCodec.quote(topic));
            if (epoch != null) {
                b.writeBytes(",\"epoch\":".getBytes(StandardCharsets.UTF_8));
                b.writeBytes(FrameCodec.quote(epoch));
            }
            b.writeBytes((",\"version\":" + version).getBytes(StandardCharsets.UTF_8));
            if (withData) {
                b.writeBytes(",\"data\":".getBytes(StandardCharsets.UTF_8));
                b.writeBytes(json);
            }
            if (recovered != null) {
                b.writeBytes((",\"recovered\":" + recovered).getBytes(StandardCharsets.UTF_8));
            }
            b.write('}');
            return Payload.json(b.toByteArray());
        }

        /** The entity tag of this version: {@code "epoch:version"} (quoted), {@code "0"} before the first write. */
        public String etag() {
            return "\"" + (epoch == null ? "" : epoch + ":") + version + "\"";
        }
    }

    /** A patch as a writer sent it: a JSON Merge Patch, or a JSON Patch (an array of operations). */
    public record Change(boolean merge, JsonNode patch) {
        /** Parses the patch's JSON text, which must be well-formed Unicode ({@link dev.ferry.protocol.JsonText}). */
        public static Change parse(boolean merge, byte[] json) {
            String fault = dev.ferry.protocol.JsonText.unicodeFault(json, 0, json.length);
            if (fault != null) {
                throw new StateException(ErrorCode.INVALID_PATCH, "the patch is not well-formed Unicode: " + fault, null);
            }
            try {
                return new Change(merge, JSON.readTree(json));
            } catch (java.io.IOException e) {
                throw new StateException(ErrorCode.INVALID_PATCH, "the patch is not valid JSON", null);
            }
        }
    }

    public StateConfig config() {
        return config;
    }

    /** Takes the state channel rules of {@code next} for what happens from now on. */
    public void reload(StateConfig next) {
        this.config = next;
    }

    /** Whether a rule names {@code topic} as a state channel. */
    public boolean configured(String topic) {
        return config.channelFor(topic) != null;
    }

    /** The largest document {@code topic} may hold, in bytes of compact JSON. */
    public int maxBytes(String topic) {
        StateConfig.Channel c = config.channelFor(topic);
        return c == null ? config.maxDocumentBytes() : c.maxDocumentBytes();
    }

    private StateStore store() {
        StateStore s = hub.engine().stateStore();
        if (s == null) {
            throw new StateException(ErrorCode.UNAVAILABLE, "the " + hub.engine().name() + " engine keeps no state", null);
        }
        return s;
    }

    /**
     * Reads a state channel (a valid concrete topic): its document ({@code {}} before the first write) and
     * version. Fails with {@link StateException} {@code not_state_channel} when the topic is not one.
     */
    public CompletionStage<View> get(String topic) {
        try {
            return store().readState(topic).thenApply(d -> {
                if (d.json() == null && !configured(topic)) {
                    throw notStateChannel(topic);
                }
                return new View(topic, d.epoch(), d.version(), d.json() == null ? EMPTY : d.json());
            });
        } catch (StateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Applies {@code change} to a state channel (a valid concrete topic the writer may publish to), only when it is
     * at {@code ifVersion} if that is at least 0. Completes with the new document, or fails with a
     * {@link StateException}: {@code not_state_channel}, {@code state_conflict}, {@code invalid_patch},
     * {@code document_too_large}.
     */
    public CompletionStage<View> update(String topic, Change change, long ifVersion) {
        return update(topic, change, ifVersion, null);
    }

    /**
     * As {@link #update(String, Change, long)}; when {@code ifEpoch} is not null the channel must also be in that
     * epoch ({@code ""}: none yet) for the write to apply.
     */
    public CompletionStage<View> update(String topic, Change change, long ifVersion, String ifEpoch) {
        try {
            if (!change.merge()) {
                JsonPatch.validate(change.patch());
            }
            return attempt(store(), topic, change, ifVersion, ifEpoch, 1);
        } catch (PatchException e) {
            return CompletableFuture.failedFuture(invalid(e));
        } catch (StateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletionStage<View> attempt(StateStore store, String topic, Change change, long ifVersion, String ifEpoch,
                                          int attempt) {
        return store.readState(topic).thenCompose(d -> {
            if (d.json() == null && !configured(topic)) {
                if (!config.createOnWrite()) {
                    throw notStateChannel(topic);
                }
                if (d.version() > 0) {
                    throw new StateException(ErrorCode.NOT_STATE_CHANNEL, "\"" + topic + "\" carries plain publications;"
                            + " it cannot become a state channel", null);
                }
            }
            if (ifVersion >= 0 && (ifVersion != d.version()
                    || (ifEpoch != null && !ifEpoch.equals(d.epoch() == null ? "" : d.epoch())))) {
                throw conflict(topic, d.epoch(), d.version(), ifVersion);
            }
            JsonNode current = read(d.json() == null ? EMPTY : d.json());
            JsonNode next;
            JsonNode ops;
            try {
                if (change.merge()) {
                    next = MergePatch.apply(current, change.patch());
                    ops = MergePatch.toOperations(current, change.patch());
                } else {
                    next = JsonPatch.apply(current, change.patch());
                    ops = change.patch();
                }
            } catch (PatchException e) {
                throw invalid(e);
            }
            byte[] json = write(next);
            int max = maxBytes(topic);
            if (json.length > max) {
                throw new StateException(ErrorCode.DOCUMENT_TOO_LARGE, "the document would be " + json.length
                        + " bytes; \"" + topic + "\" holds at most " + max,
                        Payload.json("{\"bytes\":" + json.length + ",\"max\":" + max + "}"));
            }
            return store.commitState(topic, d.epoch(), d.version(), json, Payload.json(write(ops))).handle((c, e) -> {
                var full = dev.ferry.server.engine.TooManyTopicsException.in(e);
                if (full != null) {
                    throw new StateException(ErrorCode.TOO_MANY_TOPICS, full.getMessage(), null);
                }
                if (e != null) {
                    throw e instanceof java.util.concurrent.CompletionException ce ? ce
                            : new java.util.concurrent.CompletionException(e);
                }
                return c;
            }).thenCompose(c -> {
                if (c.committed()) {
                    return CompletableFuture.completedFuture(new View(topic, c.epoch(), c.version(), json));
                }
                if (ifVersion >= 0) {
                    throw conflict(topic, c.epoch(), c.version(), ifVersion);
                }
                if (attempt >= MAX_ATTEMPTS) {
                    throw new StateException(ErrorCode.STATE_CONFLICT, "\"" + topic + "\" changed under " + attempt
                            + " attempts in a row; try again", versionData(topic, c.epoch(), c.version()));
                }
                return attempt(store, topic, change, ifVersion, ifEpoch, attempt + 1);
            });
        });
    }

    /** The position in the {@code data} of a {@code state_conflict}, or null when it holds none. */
    public static View versionOf(Payload data) {
        JsonNode n = read(data.bytes());
        if (!n.has("version")) {
            return null;
        }
        return new View(n.path("topic").asText(), n.has("epoch") ? n.get("epoch").asText() : null,
                n.get("version").asLong(), EMPTY);
    }

    private static StateException notStateChannel(String topic) {
        return new StateException(ErrorCode.NOT_STATE_CHANNEL, "\"" + topic + "\" is not a state channel", null);
    }

    private static StateException invalid(PatchException e) {
        return new StateException(ErrorCode.INVALID_PATCH, e.getMessage(),
                e.index() < 0 ? null : Payload.json("{\"index\":" + e.index() + "}"));
    }

    private static StateException conflict(String topic, String epoch, long version, long expected) {
        return new StateException(ErrorCode.STATE_CONFLICT, "\"" + topic + "\" is at version " + version
                + (epoch == null ? "" : " of epoch " + epoch) + ", not " + expected, versionData(topic, epoch, version));
    }

    private static Payload versionData(String topic, String epoch, long version) {
        return new View(topic, epoch, version, EMPTY).toPayload(false);
    }

    static JsonNode read(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a stored document is not JSON", e);
        }
    }

    static byte[] write(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
