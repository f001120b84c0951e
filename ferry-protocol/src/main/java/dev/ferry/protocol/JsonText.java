package dev.ferry.protocol;

/**
 * Whether JSON text is well-formed Unicode (docs/protocol.md §2): its bytes are UTF-8 as RFC 3629 defines it (no
 * overlong forms, no encoded surrogates, nothing above U+10FFFF), and every {@code \\u} escape of a UTF-16
 * surrogate is one half of a pair ({@code \\ud83d\\ude00}), never a lone one ({@code \\ud800}). Such text decodes
 * to strings that encode back to UTF-8 unchanged, which is what every decoder of Ferry requires of its input: a
 * lone surrogate has no UTF-8 encoding, so a string holding one could be neither stored nor sent. Stateless.
 */
public final class JsonText {
    /** Eight bytes of an array at once, for the stretches of plain ASCII that most JSON text is. */
    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long ONES = 0x0101010101010101L;
    private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;

    private JsonText() {
    }

    /**
     * Why the {@code len} bytes of {@code b} from {@code off} are not well-formed Unicode JSON text, or null when
     * they are. Only the encoding is checked, not the JSON grammar: a backslash is read as the start of an escape
     * wherever it is (outside a string it is a syntax error the JSON parser reports).
     */
    public static String unicodeFault(byte[] b, int off, int len) {
        return scan(b, off, len, true);
    }

    /**
     * Why the {@code len} bytes of {@code b} from {@code off} are not well-formed UTF-8 (RFC 3629), or null when they
     * are; unlike {@link #unicodeFault(byte[], int, int)} it gives a backslash no meaning.
     */
    public static String utf8Fault(byte[] b, int off, int len) {
        return scan(b, off, len, false);
    }

    private static String scan(byte[] b, int off, int len, boolean escapes) {
        int end = off + len;
        int i = off;
        while (i < end) {
            if (end - i >= Long.BYTES && plainAscii((long) LONGS.get(b, i), escapes)) {
                i += Long.BYTES; // eight bytes each of which the byte-wise checks below would pass over
                continue;
            }
            int c = b[i];
            if (c >= 0) {
                if (c != '\\' || !escapes) {
                    i++;
                } else if (i + 1 < end && b[i + 1] == 'u') {
                    int unit = hex4(b, i + 2, end);
                    if (unit >= 0xD800 && unit <= 0xDBFF) {
                        int next = i + 6 < end && b[i + 6] == '\\' && i + 7 < end && b[i + 7] == 'u' ? hex4(b, i + 8, end) : -1;
                        if (next < 0xDC00 || next > 0xDFFF) {
                            return "lone UTF-16 surrogate escape \\u" + Integer.toHexString(unit) + " at byte " + (i - off)
                                    + " (a high surrogate must be followed by a \\u escape of a low one)";
                        }
                        i += 12;
                    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
                        return "lone UTF-16 surrogate escape \\u" + Integer.toHexString(unit) + " at byte " + (i - off)
                                + " (a low surrogate must follow a \\u escape of a high one)";
                    } else {
                        i += 2; // not a surrogate (or not hex: the JSON parser says so)
                    }
                } else {
                    i += 2; // \" \\ \/ \b \f \n \r \t, or a bad escape the JSON parser reports
                }
            } else {
                int n = sequenceLength(b, i, end);
                if (n < 0) {
                    return "ill-formed UTF-8 at byte " + (i - off);
                }
                i += n;
            }
        }
        return null;
    }

    /** Whether the eight bytes of {@code word} are all ASCII and, when {@code escapes} counts, none is a backslash. */
    private static boolean plainAscii(long word, boolean escapes) {
        if ((word & HIGH_BITS) != 0) {
            return false;
        }
        if (!escapes) {
            return true;
        }
        long x = word ^ BACKSLASHES; // a zero byte where word holds a backslash
        return ((x - ONES) & ~x & HIGH_BITS) == 0;
    }

        /** Why {@code s} has no UTF-8 encoding (it holds a lone UTF-16 surrogate), or null when it has one. */
    public static String unicodeFault(CharSequence s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "lone UTF-16 surrogate \\u" + Integer.toHexString(c) + " at character " + i;
            }
        }
        return null;
    }

    /** The value of the four hex digits at {@code i}, or -1 when there are not four. */
    private static int hex4(byte[] b, int i, int end) {
        if (i + 4 > end) {
            return -1;
        }
        int v = 0;
        for (int k = i; k < i + 4; k++) {
            int d = Character.digit(b[k], 16);
            if (d < 0) {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }

    /**
     * The length of the well-formed multi-byte UTF-8 sequence starting at {@code i}, or -1. The ranges are those of
     * RFC 3629 §4 (UTF8-2, UTF8-3, UTF8-4): E0 needs A0-BF next (no overlong form), ED needs 80-9F (no surrogate),
     * F0 needs 90-BF, F4 needs 80-8F (nothing above U+10FFFF).
     */
    private static int sequenceLength(byte[] b, int i, int end) {
        int lead = b[i] & 0xFF;
        int n;
        int lo = 0x80;
        int hi = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            n = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            n = 3;
            if (lead == 0xE0) {
                lo = 0xA0;
            } else if (lead == 0xED) {
                hi = 0x9F;
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            n = 4;
            if (lead == 0xF0) {
                lo = 0x90;
            } else if (lead == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return -1;
        }
        if (i + n > end) {
            return -1;
        }
        int second = b[i + 1] & 0xFF;
        if (second < lo || second > hi) {
            return -1;
        }
        for (int k = i + 2; k < i + n; k++) {
            if ((b[k] & 0xC0) != 0x80) {
                return -1;
            }
        }
        return n;
    }
}
