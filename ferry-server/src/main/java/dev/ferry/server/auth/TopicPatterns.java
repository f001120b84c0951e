package dev.ferry.server.auth;

/**
 * Containment of topic patterns (docs/protocol.md §3): whether every topic one pattern matches is also matched by
 * another. This is how a wildcard subscription is judged: it is allowed only when an allowing pattern covers it,
 * so a subscription can never reach a topic that no rule allows.
 *
 * <p>The check is sound and deliberately conservative: it never answers "covers" wrongly, and in one corner it
 * answers "does not cover" although the sets are equal ({@code *.#} covers {@code #} because topics have at least
 * one word, but a {@code #} in the inner pattern is only covered by a {@code #} in the outer one).
 */
public final class TopicPatterns {
    private TopicPatterns() {
    }

    /** Whether every topic matched by {@code inner} is matched by {@code outer}; both valid patterns or topics. */
    public static boolean covers(String outer, String inner) {
        return covers(outer.split("\\.", -1), inner.split("\\.", -1));
    }

    public static boolean covers(String[] outer, String[] inner) {
        // memo[i][j]: 0 unknown, 1 covers, 2 does not; bounded by 33 x 33 for valid patterns
        byte[][] memo = new byte[outer.length + 1][inner.length + 1];
        return covers(outer, 0, inner, 0, memo);
    }

    /**
     * Whether {@code outer} may cover some pattern that is {@code prefix} or starts with its words. Conservative the
     * other way round from {@link #covers}: it never answers "no" wrongly, and answers "yes" where an outer
     * {@code *} meets a {@code #} word of the prefix, which it cannot cover.
     */
    public static boolean mayCoverAtOrBelow(String[] outer, String[] prefix) {
        int i = 0;
        for (String w : prefix) {
            if (i == outer.length) {
                return false;
            }
            if (outer[i].equals("#")) {
                return true;
            }
            if (!outer[i].equals("*") && !outer[i].equals(w)) {
                return false;
            }
            i++;
        }
        return true; // the prefix is consumed: what follows it may still be covered
    }

    private static boolean covers(String[] r, int i, String[] p, int j, byte[][] memo) {
        if (memo[i][j] != 0) {
            return memo[i][j] == 1;
        }
        boolean result;
        if (i == r.length) {
            result = j == p.length;
        } else if (r[i].equals("#")) {
            // '#' absorbs any run of the inner pattern's words, wildcards included
            result = false;
            for (int k = j; k <= p.length && !result; k++) {
                result = covers(r, i + 1, p, k, memo);
            }
        } else if (j == p.length) {
            result = false;
        } else if (p[j].equals("#")) {
            result = false; // only an outer '#' covers an inner '#'
        } else if (p[j].equals("*")) {
            result = r[i].equals("*") && covers(r, i + 1, p, j + 1, memo);
        } else {
            result = (r[i].equals("*") || r[i].equals(p[j])) && covers(r, i + 1, p, j + 1, memo);
        }
        memo[i][j] = (byte) (result ? 1 : 2);
        return result;
    }
}
