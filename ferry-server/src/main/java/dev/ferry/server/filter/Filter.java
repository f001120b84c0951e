package dev.ferry.server.filter;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A compiled subscription filter (docs/protocol.md §4.4): an evaluator tree built once at subscribe time and
 * evaluated per delivery without allocating (the payload is parsed once per publication by {@link FilterInput}).
 * Immutable and thread-safe.
 */
public final class Filter {
    /** Longest expression accepted, in characters. */
    public static final int MAX_LENGTH = 4096;
    /** Deepest nesting of parentheses and {@code not}. */
    public static final int MAX_DEPTH = 32;
    /** Most literals in one {@code in} list. */
    public static final int MAX_LIST = 256;
    /** Most names after {@code data} in one field reference. */
    public static final int MAX_PATH = 16;

    private final String source;
    private final Node root;
    private final boolean usesData;

    Filter(String source, Node root, boolean usesData) {
        this.source = source;
        this.root = root;
        this.usesData = usesData;
    }

    /** Compiles {@code expression}, or says where and why it is not a filter. */
    public static Filter compile(String expression) throws FilterException {
        return new FilterParser(expression).parse();
    }

    /** Whether the publication passes the filter. */
    public boolean test(FilterInput input) {
        return root.eval(input);
    }

    /** Whether evaluation may look at the payload (otherwise only tags). */
    public boolean usesData() {
        return usesData;
    }

    /** The expression as given. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return source;
    }

    // ------------------------------------------------------------------ evaluator tree

    interface Node {
        boolean eval(FilterInput in);
    }

    record Or(Node[] terms) implements Node {
        public boolean eval(FilterInput in) {
            for (Node n : terms) {
                if (n.eval(in)) {
                    return true;
                }
            }
            return false;
        }
    }

    record And(Node[] terms) implements Node {
        public boolean eval(FilterInput in) {
            for (Node n : terms) {
                if (!n.eval(in)) {
                    return false;
                }
            }
            return true;
        }
    }

    record Not(Node term) implements Node {
        public boolean eval(FilterInput in) {
            return !term.eval(in);
        }
    }

    enum Op { EQ, NE, LT, LE, GT, GE, IN, NOT_IN, STARTS, ENDS, CONTAINS, EXISTS }

    /** A literal: exactly one of string / number / boolean / null. */
    record Literal(Kind kind, String string, double number, boolean bool) {
        enum Kind { STRING, NUMBER, BOOLEAN, NULL }

        static Literal of(String s) {
            return new Literal(Kind.STRING, s, 0, false);
        }

        static Literal of(double d) {
            return new Literal(Kind.NUMBER, null, d, false);
        }

        static Literal of(boolean b) {
            return new Literal(Kind.BOOLEAN, null, 0, b);
        }

        static final Literal NULL = new Literal(Kind.NULL, null, 0, false);

        boolean equalsJson(JsonNode v) {
            return switch (kind) {
                case STRING -> v.isTextual() && v.textValue().equals(string);
                case NUMBER -> v.isNumber() && v.doubleValue() == number;
                case BOOLEAN -> v.isBoolean() && v.booleanValue() == bool;
                case NULL -> v.isNull();
            };
        }

        /** Sign of (v - this) for two numbers or two strings; {@link Integer#MIN_VALUE} when not comparable. */
        int compareJson(JsonNode v) {
            if (kind == Kind.NUMBER && v.isNumber()) {
                return Double.compare(v.doubleValue(), number);
            }
            if (kind == Kind.STRING && v.isTextual()) {
                return Integer.signum(v.textValue().compareTo(string));
            }
            return Integer.MIN_VALUE;
        }
    }

    /** A predicate over a field of the payload: {@code path} names object members or array indexes. */
    record DataTest(String[] path, int[] index, Op op, Literal literal, Literal[] list) implements Node {
        public boolean eval(FilterInput in) {
            JsonNode v = in.data();
            for (int i = 0; i < path.length && !v.isMissingNode(); i++) {
                JsonNode next = v.isArray() && index[i] >= 0 ? v.get(index[i]) : v.get(path[i]);
                v = next == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : next;
            }
            if (v.isMissingNode()) {
                return false;
            }
            return switch (op) {
                case EXISTS -> true;
                case EQ -> literal.equalsJson(v);
                case NE -> !literal.equalsJson(v);
                case LT -> literal.compareJson(v) == -1;
                case LE -> { int c = literal.compareJson(v); yield c == -1 || c == 0; }
                case GT -> literal.compareJson(v) == 1;
                case GE -> { int c = literal.compareJson(v); yield c == 1 || c == 0; }
                case IN, NOT_IN -> {
                    boolean found = false;
                    for (Literal l : list) {
                        if (l.equalsJson(v)) {
                            found = true;
                            break;
                        }
                    }
                    yield found == (op == Op.IN);
                }
                case STARTS -> v.isTextual() && v.textValue().startsWith(literal.string);
                case ENDS -> v.isTextual() && v.textValue().endsWith(literal.string);
                case CONTAINS -> v.isTextual() && v.textValue().contains(literal.string);
            };
        }
    }

    /** A predicate over one tag; tag values are strings, so only string literals can equal them. */
    record TagTest(String name, Op op, Literal literal, Literal[] list) implements Node {
        public boolean eval(FilterInput in) {
            String v = in.tags().get(name);
            if (v == null) {
                return false;
            }
            return switch (op) {
                case EXISTS -> true;
                case EQ -> equal(literal, v);
                case NE -> !equal(literal, v);
                case LT -> compare(v) == -1;
                case LE -> { int c = compare(v); yield c == -1 || c == 0; }
                case GT -> compare(v) == 1;
                case GE -> { int c = compare(v); yield c == 1 || c == 0; }
                case IN, NOT_IN -> {
                    boolean found = false;
                    for (Literal l : list) {
                        if (equal(l, v)) {
                            found = true;
                            break;
                        }
                    }
                    yield found == (op == Op.IN);
                }
                case STARTS -> v.startsWith(literal.string);
                case ENDS -> v.endsWith(literal.string);
                case CONTAINS -> v.contains(literal.string);
            };
        }

        private static boolean equal(Literal l, String v) {
            return l.kind == Literal.Kind.STRING && l.string.equals(v);
        }

        private int compare(String v) {
            return literal.kind == Literal.Kind.STRING ? Integer.signum(v.compareTo(literal.string)) : Integer.MIN_VALUE;
        }
    }
}
