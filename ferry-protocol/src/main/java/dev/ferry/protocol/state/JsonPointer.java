package dev.ferry.protocol.state;

import java.util.ArrayList;
import java.util.List;

/** RFC 6901 JSON Pointers: parsing into reference tokens and escaping a member name into one. */
public final class JsonPointer {
    private JsonPointer() {
    }

    /**
     * The reference tokens of {@code pointer} ({@code ""} is the whole document: no tokens).
     *
     * @throws IllegalArgumentException when it does not start with {@code /} or has a {@code ~} not followed by
     *                                  {@code 0} or {@code 1}
     */
    public static List<String> parse(String pointer) {
        List<String> tokens = new ArrayList<>();
        if (pointer.isEmpty()) {
            return tokens;
        }
        if (pointer.charAt(0) != '/') {
            throw new IllegalArgumentException("JSON Pointer \"" + pointer + "\" must be empty or start with \"/\"");
        }
        StringBuilder token = new StringBuilder();
        for (int i = 1; i <= pointer.length(); i++) {
            char c = i == pointer.length() ? '/' : pointer.charAt(i);
            if (c == '/') {
                tokens.add(token.toString());
                token.setLength(0);
            } else if (c == '~') {
                // RFC 6901 §4: "~1" is "/" and "~0" is "~"; any other "~" is an error
                char next = i + 1 < pointer.length() ? pointer.charAt(i + 1) : 0;
                if (next != '0' && next != '1') {
                    throw new IllegalArgumentException("JSON Pointer \"" + pointer + "\": \"~\" at " + i
                            + " must be followed by 0 or 1");
                }
                token.append(next == '0' ? '~' : '/');
                i++;
            } else {
                token.append(c);
            }
        }
        return tokens;
    }

    /** {@code name} as one reference token: {@code ~} becomes {@code ~0}, {@code /} becomes {@code ~1}. */
    public static String escape(String name) {
        if (name.indexOf('~') < 0 && name.indexOf('/') < 0) {
            return name;
        }
        return name.replace("~", "~0").replace("/", "~1");
    }
}
