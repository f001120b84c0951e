package dev.ferry.rabbitmq;

import dev.ferry.protocol.Topics;

/**
 * Relations between two valid patterns of the topic grammar ({@code *} one word, {@code #} zero or more), used to
 * turn a Ferry subscription into the binding that feeds it. Patterns have at most {@link Topics#MAX_WORDS}
 * words, so the plain recursion stays small.
 */
final class PatternAlgebra {
    private PatternAlgebra() {
    }

    /** Whether every topic matched by {@code inner} is matched by {@code outer}. */
    static boolean contains(String outer, String inner) {
        return contains(outer.split("\\.", -1), 0, inner.split("\\.", -1), 0);
    }

    private static boolean contains(String[] c, int i, String[] p, int j) {
        if (i == c.length) {
            return j == p.length;
        }
        if (c[i].equals(Topics.ANY_WORDS)) {
            // '#' takes nothing more, or absorbs the next word of inner (whatever it is, wildcards included).
            return contains(c, i + 1, p, j) || (j < p.length && contains(c, i, p, j + 1));
        }
        if (j == p.length || p[j].equals(Topics.ANY_WORDS)) {
            // outer needs exactly one word here; inner may have none, or (with '#') any number.
            return false;
        }
        if (c[i].equals(Topics.ONE_WORD)) {
            return contains(c, i + 1, p, j + 1);
        }
        return c[i].equals(p[j]) && contains(c, i + 1, p, j + 1);
    }

    /** Whether some topic is matched by both patterns. */
    static boolean overlaps(String a, String b) {
        return overlaps(a.split("\\.", -1), 0, b.split("\\.", -1), 0);
    }

    private static boolean overlaps(String[] a, int i, String[] b, int j) {
        if (i == a.length && j == b.length) {
            return true;
        }
        if (i < a.length && a[i].equals(Topics.ANY_WORDS)) {
            return overlaps(a, i + 1, b, j) || (j < b.length && overlaps(a, i, b, j + 1));
        }
        if (j < b.length && b[j].equals(Topics.ANY_WORDS)) {
            return overlaps(a, i, b, j + 1) || (i < a.length && overlaps(a, i + 1, b, j));
        }
        if (i == a.length || j == b.length) {
            return false;
        }
        boolean word = a[i].equals(Topics.ONE_WORD) || b[j].equals(Topics.ONE_WORD) || a[i].equals(b[j]);
        return word && overlaps(a, i + 1, b, j + 1);
    }
}
