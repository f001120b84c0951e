package dev.ferry.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The topic grammar of docs/protocol.md §3: dot-separated words; in patterns a word may be {@code *} (exactly one
 * word) or {@code #} (zero or more words).
 */
public final class Topics {
    public static final int MAX_BYTES = 255;
    public static final int MAX_WORDS = 32;
    public static final int MAX_WORD_CHARS = 128;
    public static final String ONE_WORD = "*";
    public static final String ANY_WORDS = "#";

    private Topics() {
    }

    /** Why {@code topic} is not a valid concrete topic (no wildcards), or {@code null} when it is. */
    public static String checkTopic(String topic) {
        return check(topic, false, "topic");
    }

    /** Why {@code pattern} is not a valid subscription pattern, or {@code null} when it is. */
    public static String checkPattern(String pattern) {
        return check(pattern, true, "pattern");
    }

    /** Why {@code name} is not a valid procedure name (the topic grammar without wildcards), or {@code null}. */
    public static String checkProcedure(String name) {
        return check(name, false, "procedure name");
    }

    /** Whether a valid pattern contains a wildcard word. */
    public static boolean hasWildcard(String pattern) {
        for (String w : pattern.split("\\.", -1)) {
            if (w.equals(ONE_WORD) || w.equals(ANY_WORDS)) {
                return true;
            }
        }
        return false;
    }

    private static String check(String s, boolean wildcards, String what) {
        if (s == null || s.isEmpty()) {
            return what + " is empty";
        }
        if (plainAsciiTopic(s)) {
            return null; // the common case, checked without allocating; anything else gets the full check below
        }
        if (s.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return what + " is longer than " + MAX_BYTES + " bytes";
        }
        String[] words = s.split("\\.", -1);
        if (words.length > MAX_WORDS) {
            return what + " has more than " + MAX_WORDS + " words";
        }
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            if (w.isEmpty()) {
                return what + " \"" + printable(s) + "\" has an empty word at position " + (i + 1) + " (leading, trailing or double dot)";
            }
            if (w.equals(ONE_WORD) || w.equals(ANY_WORDS)) {
                if (!wildcards) {
                    return what + " \"" + printable(s) + "\" contains the wildcard \"" + w + "\"; wildcards are only allowed in subscription patterns";
                }
                continue;
            }
            if (w.length() > MAX_WORD_CHARS) {
                return what + " has a word longer than " + MAX_WORD_CHARS + " characters";
            }
            for (int j = 0; j < w.length(); ) {
                int cp = w.codePointAt(j);
                if (!isWordChar(cp)) {
                    String shown = cp == '*' || cp == '#'
                            ? "\"" + Character.toString(cp) + "\" must be a whole word"
                            : "character " + describe(cp) + " is not allowed";
                    return what + " \"" + printable(s) + "\": " + shown + " (word " + (i + 1) + ")";
                }
                j += Character.charCount(cp);
            }
        }
        return null;
    }

    /**
     * Whether {@code s} is a valid topic made of ASCII word characters only (no wildcard): one pass, no allocation.
     * False does not mean invalid, only that the full check must decide (and say why).
     */
    private static boolean plainAsciiTopic(String s) {
        int n = s.length();
        if (n > MAX_BYTES) {
            return false;
        }
        int words = 1;
        int wordStart = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (i == wordStart || ++words > MAX_WORDS) {
                    return false;
                }
                wordStart = i + 1;
            } else if (c >= 0x80 || !isWordChar(c) || i - wordStart >= MAX_WORD_CHARS) {
                return false;
            }
        }
        return wordStart < n;
    }

    private static boolean isWordChar(int cp) {
        if (cp < 0x80) {
            return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')
                    || cp == '_' || cp == '-' || cp == ':' || cp == '@' || cp == '~' || cp == '+';
        }
        return !Character.isWhitespace(cp) && !Character.isSpaceChar(cp) && !Character.isISOControl(cp)
                && Character.getType(cp) != Character.FORMAT && Character.getType(cp) != Character.SURROGATE
                && Character.isDefined(cp);
    }

    private static String describe(int cp) {
        return cp >= 0x20 && cp < 0x7f ? "'" + Character.toString(cp) + "'" : String.format("U+%04X", cp);
    }

    /** {@code s} with control characters and lone surrogates escaped, so that a message quoting it can be sent. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f || Character.getType(cp) == Character.SURROGATE) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }

    /**
     * Whether {@code topic} matches {@code pattern} under AMQP topic-exchange rules. A reference implementation for
     * tests and clients; the server matches through its topic tree instead.
     */
    public static boolean matches(String pattern, String topic) {
        return matches(pattern.split("\\.", -1), 0, topic.split("\\.", -1), 0);
    }

    /**
     * Whether the pattern {@code words} (the pattern split at its dots) from {@code wi} matches {@code topic} from
     * the word starting at {@code ti} ({@code topic.length() + 1}: past the last word), as
     * {@link #matches(String, String)} does, without allocating: for a pattern split once and matched often.
     */
    public static boolean matches(String[] words, int wi, String topic, int ti) {
        int end = topic.length() + 1;
        if (wi == words.length) {
            return ti == end;
        }
        String w = words[wi];
        if (w.equals("#")) {
            while (true) {
                if (matches(words, wi + 1, topic, ti)) {
                    return true;
                }
                if (ti == end) {
                    return false;
                }
                int dot = topic.indexOf('.', ti);
                ti = dot < 0 ? end : dot + 1;
            }
        }
        if (ti == end) {
            return false;
        }
        int dot = topic.indexOf('.', ti);
        int wordEnd = dot < 0 ? topic.length() : dot;
        boolean same = w.equals("*")
                || (w.length() == wordEnd - ti && topic.regionMatches(ti, w, 0, w.length()));
        return same && matches(words, wi + 1, topic, wordEnd + 1);
    }

    private static boolean matches(String[] p, int pi, String[] t, int ti) {
        if (pi == p.length) {
            return ti == t.length;
        }
        if (p[pi].equals(ANY_WORDS)) {
            for (int skip = ti; skip <= t.length; skip++) {
                if (matches(p, pi + 1, t, skip)) {
                    return true;
                }
            }
            return false;
        }
        if (ti == t.length) {
            return false;
        }
        return (p[pi].equals(ONE_WORD) || p[pi].equals(t[ti])) && matches(p, pi + 1, t, ti + 1);
    }
}
