package dev.ferry.server.events;

import java.util.List;

/**
 * Why a publication does not belong to its event class.
 *
 * @param eventClass the class's name
 * @param missingTag the first required tag the publication lacks, or null when its payload is what failed
 * @param problems the schema's findings, each a JSON pointer into the payload and the schema's message (at most
 *     {@link EventClasses#MAX_PROBLEMS}); empty for a missing tag
 */
public record Violation(String eventClass, String missingTag, List<Problem> problems) {
    /** One failing place of the payload: {@code pointer} ({@code ""} is the whole payload) and what is wrong. */
    public record Problem(String pointer, String message) {
    }

    public Violation {
        problems = List.copyOf(problems);
    }

    /** One line for the error's {@code message}: the class and its first problem. */
    public String message() {
        if (missingTag != null) {
            return "event class \"" + eventClass + "\" requires the tag \"" + missingTag + "\"";
        }
        Problem first = problems.get(0);
        return "payload does not match event class \"" + eventClass + "\": "
                + (first.pointer().isEmpty() ? "" : first.pointer() + ": ") + first.message();
    }
}
