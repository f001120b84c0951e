package dev.ferry.server.hooks;

import dev.ferry.protocol.Payload;

/**
 * What a subscribe or publish hook decided: exactly one of allowed (with, for a publication, the payload to
 * publish instead or null to keep it), refused, or no usable answer.
 *
 * @param allowed the backend allowed it
 * @param replacement for an allowed publication, the payload the backend gave instead (null: unchanged)
 * @param refusal the backend's refusal
 * @param failure why there was no usable answer (the hook's failure policy decides)
 */
public record TopicVerdict(boolean allowed, Payload replacement, ConnectVerdict.Refused refusal, String failure) {
    public static TopicVerdict allow(Payload replacement) {
        return new TopicVerdict(true, replacement, null, null);
    }

    public static TopicVerdict refused(String code, String reason) {
        return new TopicVerdict(false, null, new ConnectVerdict.Refused(code, reason), null);
    }

    public static TopicVerdict failed(String why) {
        return new TopicVerdict(false, null, null, why);
    }
}
