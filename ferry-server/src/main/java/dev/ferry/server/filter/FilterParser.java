package dev.ferry.server.filter;

import dev.ferry.protocol.FrameCodec;
import dev.ferry.server.filter.Filter.Literal;
import dev.ferry.server.filter.Filter.Node;
import dev.ferry.server.filter.Filter.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Recursive descent over the grammar of docs/protocol.md §4.4; one instance per expression. */
final class FilterParser {
    private static final Set<String> KEYWORDS = Set.of("and", "or", "not", "in", "exists", "startswith", "endswith",
            "contains", "true", "false", "null");

    private final String src;
    private int pos;
    private int depth;
    private boolean usesData;

    FilterParser(String src) {
        this.src = src;
    }

    Filter parse() throws FilterException {
        if (src.length() > Filter.MAX_LENGTH) {
            throw new FilterException(Filter.MAX_LENGTH + 1,
                    "the filter is longer than " + Filter.MAX_LENGTH + " characters");
        }
        skipSpace();
        if (pos == src.length()) {
            throw error("empty filter");
        }
        Node root = orExpr();
        skipSpace();
        if (pos < src.length()) {
            throw error(src.charAt(pos) == ')' ? "unbalanced ')'" : "expected 'and', 'or' or the end of the filter");
        }
        return new Filter(src, root, usesData);
    }

    // ------------------------------------------------------------------ expressions

    private Node orExpr() throws FilterException {
        Node first = andExpr();
        if (!peekKeyword("or")) {
            return first;
        }
        List<Node> terms = new ArrayList<>();
        terms.add(first);
        while (acceptKeyword("or")) {
            terms.add(andExpr());
        }
        return new Filter.Or(terms.toArray(Node[]::new));
    }

    private Node andExpr() throws FilterException {
        Node first = unary();
        if (!peekKeyword("and")) {
            return first;
        }
        List<Node> terms = new ArrayList<>();
        terms.add(first);
        while (acceptKeyword("and")) {
            terms.add(unary());
        }
        return new Filter.And(terms.toArray(Node[]::new));
    }

    private Node unary() throws FilterException {
        skipSpace();
        int start = pos;
        if (acceptKeyword("not")) {
            enter(start);
            Node n = new Filter.Not(unary());
            depth--;
            return n;
        }
        return primary();
    }

    private Node primary() throws FilterException {
        skipSpace();
        int start = pos;
        if (pos == src.length()) {
            throw error("expected a condition, 'not' or '(' but the filter ends");
        }
        if (src.charAt(pos) == '(') {
            enter(start);
            pos++;
            Node n = orExpr();
            skipSpace();
            if (pos == src.length() || src.charAt(pos) != ')') {
                throw error("expected ')' to close the '(' at column " + (start + 1));
            }
            pos++;
            depth--;
            return n;
        }
        if (acceptKeyword("exists")) {
            skipSpace();
            expect('(', "expected '(' after 'exists'");
            Ref ref = ref();
            skipSpace();
            expect(')', "expected ')' after the field reference of 'exists'");
            return ref.test(Op.EXISTS, null, null);
        }
        Ref ref = ref();
        return predicate(ref);
    }

    private Node predicate(Ref ref) throws FilterException {
        skipSpace();
        int at = pos;
        if (pos == src.length()) {
            throw error("expected an operator after the field reference but the filter ends");
        }
        char c = src.charAt(pos);
        Op op = null;
        if (src.startsWith("==", pos)) {
            op = Op.EQ;
        } else if (src.startsWith("!=", pos)) {
            op = Op.NE;
        } else if (src.startsWith("<=", pos)) {
            op = Op.LE;
        } else if (src.startsWith(">=", pos)) {
            op = Op.GE;
        } else if (c == '<') {
            op = Op.LT;
        } else if (c == '>') {
            op = Op.GT;
        } else if (c == '=') {
            throw error("'=' is not an operator (use '==')");
        }
        if (op != null) {
            pos += op == Op.LT || op == Op.GT ? 1 : 2;
            return ref.test(op, literal(), null);
        }
        if (acceptKeyword("in")) {
            return ref.test(Op.IN, null, list());
        }
        if (acceptKeyword("not")) {
            skipSpace();
            if (!acceptKeyword("in")) {
                throw error("expected 'in' after 'not' here");
            }
            return ref.test(Op.NOT_IN, null, list());
        }
        for (Op s : new Op[] {Op.STARTS, Op.ENDS, Op.CONTAINS}) {
            String word = s == Op.STARTS ? "startswith" : s == Op.ENDS ? "endswith" : "contains";
            if (acceptKeyword(word)) {
                skipSpace();
                int litAt = pos;
                Literal l = literal();
                if (l.kind() != Literal.Kind.STRING) {
                    throw new FilterException(litAt + 1, "'" + word + "' needs a string literal");
                }
                return ref.test(s, l, null);
            }
        }
        pos = at;
        throw error("expected an operator (==, !=, <, <=, >, >=, in, not in, startswith, endswith, contains)");
    }

    private Literal[] list() throws FilterException {
        skipSpace();
        expect('(', "expected '(' to start the list of 'in'");
        List<Literal> out = new ArrayList<>();
        while (true) {
            skipSpace();
            if (out.size() == Filter.MAX_LIST) {
                throw error("an 'in' list holds at most " + Filter.MAX_LIST + " literals");
            }
            out.add(literal());
            skipSpace();
            if (pos < src.length() && src.charAt(pos) == ',') {
                pos++;
                continue;
            }
            expect(')', "expected ',' or ')' in the list of 'in'");
            return out.toArray(Literal[]::new);
        }
    }

    private void enter(int at) throws FilterException {
        if (++depth > Filter.MAX_DEPTH) {
            throw new FilterException(at + 1, "nested deeper than " + Filter.MAX_DEPTH
                    + " levels of parentheses and 'not'");
        }
    }

    // ------------------------------------------------------------------ references

    /** A field reference: a path into the payload, or one tag. */
    private record Ref(String tag, String[] path, int[] index) {
        Node test(Op op, Literal literal, Literal[] list) {
            return tag != null ? new Filter.TagTest(tag, op, literal, list)
                    : new Filter.DataTest(path, index, op, literal, list);
        }
    }

    private Ref ref() throws FilterException {
        skipSpace();
        int start = pos;
        if (pos == src.length()) {
            throw error("expected a field reference but the filter ends");
        }
        String first = identifier();
        if (first == null) {
            throw error(startsLiteral() ? "expected a field reference (a literal must follow the operator)"
                    : "expected a field reference, 'not', 'exists' or '('");
        }
        String lower = first.toLowerCase(Locale.ROOT);
        if (KEYWORDS.contains(lower)) {
            pos = start;
            throw error("'" + first + "' is a keyword; a field of that name is written data." + first);
        }
        List<String> names = new ArrayList<>();
        boolean tags = first.equals("tags");
        if (!tags && !first.equals("data")) {
            names.add(first); // a bare name is a field of the payload: region == data.region
        }
        while (pos < src.length() && src.charAt(pos) == '.') {
            pos++;
            int segAt = pos;
            if (tags && names.isEmpty()) {
                names.add(tagName());
                continue;
            }
            String seg = segment();
            if (seg == null) {
                throw error("expected a name after '.'");
            }
            if (tags) {
                pos = segAt - 1;
                throw error("a tag is named by one name: tags.<name>");
            }
            if (names.size() == Filter.MAX_PATH) {
                pos = segAt;
                throw error("a field reference has at most " + Filter.MAX_PATH + " names");
            }
            names.add(seg);
        }
        if (tags) {
            if (names.isEmpty()) {
                throw error("expected '.' and a tag name after 'tags'");
            }
            return new Ref(names.get(0), null, null);
        }
        usesData = true;
        int[] index = new int[names.size()];
        for (int i = 0; i < index.length; i++) {
            index[i] = arrayIndex(names.get(i));
        }
        return new Ref(null, names.toArray(String[]::new), index);
    }

    private static int arrayIndex(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(s);
    }

    /**
     * The name after {@code tags.}: a {@code name} of the grammar, as a tag name is on {@code pub} (a letter or
     * {@code _}, then letters, digits or {@code _}, at most {@link FrameCodec#MAX_TAG_NAME} characters). Any
     * other name could never match a tag, so it is refused here rather than left to be always false. Keywords
     * are allowed: after {@code tags.} they cannot be read as operators.
     */
    private String tagName() throws FilterException {
        int start = pos;
        String name = identifier();
        if (name == null) {
            throw error(pos < src.length() && startsLiteral()
                    ? "a tag name starts with a letter or '_' and holds only letters, digits and '_'"
                    : "expected a tag name after 'tags.'");
        }
        if (name.length() > FrameCodec.MAX_TAG_NAME) {
            pos = start;
            throw error("a tag name has at most " + FrameCodec.MAX_TAG_NAME + " characters");
        }
        return name;
    }

    /** A name after a dot: an identifier, digits (an array index or member name) or a quoted string. */
    private String segment() throws FilterException {
        if (pos < src.length() && (src.charAt(pos) == '\'' || src.charAt(pos) == '"')) {
            return string();
        }
        int start = pos;
        while (pos < src.length() && (isIdentPart(src.charAt(pos)))) {
            pos++;
        }
        return pos == start ? null : src.substring(start, pos);
    }

    private String identifier() {
        if (pos >= src.length() || !isIdentStart(src.charAt(pos))) {
            return null;
        }
        int start = pos;
        while (pos < src.length() && isIdentPart(src.charAt(pos))) {
            pos++;
        }
        return src.substring(start, pos);
    }

    private static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isIdentPart(char c) {
        return isIdentStart(c) || (c >= '0' && c <= '9');
    }

    // ------------------------------------------------------------------ literals

    private boolean startsLiteral() {
        char c = src.charAt(pos);
        return c == '\'' || c == '"' || c == '-' || (c >= '0' && c <= '9');
    }

    private Literal literal() throws FilterException {
        skipSpace();
        if (pos == src.length()) {
            throw error("expected a literal but the filter ends");
        }
        char c = src.charAt(pos);
        if (c == '\'' || c == '"') {
            return Literal.of(string());
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
        }
        int start = pos;
        String word = identifier();
        if (word != null) {
            switch (word.toLowerCase(Locale.ROOT)) {
                case "true":
                    return Literal.of(true);
                case "false":
                    return Literal.of(false);
                case "null":
                    return Literal.NULL;
                default:
                    pos = start;
                    throw error("expected a literal (a string, number, true, false or null); a field cannot be compared with a field");
            }
        }
        throw error("expected a literal (a string, number, true, false or null)");
    }

    private Literal number() throws FilterException {
        int start = pos;
        if (src.charAt(pos) == '-') {
            pos++;
        }
        int digits = pos;
        while (pos < src.length() && Character.isDigit(src.charAt(pos)) && src.charAt(pos) < 128) {
            pos++;
        }
        if (pos == digits) {
            pos = start;
            throw error("malformed number");
        }
        if (pos < src.length() && src.charAt(pos) == '.') {
            pos++;
            int frac = pos;
            while (pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '9') {
                pos++;
            }
            if (pos == frac) {
                pos = start;
                throw error("malformed number: digits must follow '.'");
            }
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            pos++;
            if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
                pos++;
            }
            int exp = pos;
            while (pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '9') {
                pos++;
            }
            if (pos == exp) {
                pos = start;
                throw error("malformed number: digits must follow the exponent");
            }
        }
        if (pos < src.length() && isIdentPart(src.charAt(pos))) {
            throw error("malformed number");
        }
        double v = Double.parseDouble(src.substring(start, pos));
        if (Double.isInfinite(v)) {
            pos = start;
            throw error("number out of range");
        }
        return Literal.of(v);
    }

    /** A quoted string, single or double quotes, with backslash escapes. */
    private String string() throws FilterException {
        int start = pos;
        char quote = src.charAt(pos++);
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos == src.length()) {
                pos = start;
                throw error("unterminated string");
            }
            char c = src.charAt(pos++);
            if (c == quote) {
                return b.toString();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos == src.length()) {
                pos = start;
                throw error("unterminated string");
            }
            char e = src.charAt(pos++);
            switch (e) {
                case '\\', '\'', '"', '/' -> b.append(e);
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'u' -> {
                    int v = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = pos < src.length() ? Character.digit(src.charAt(pos), 16) : -1;
                        if (d < 0 || src.charAt(pos) > 127) {
                            pos -= 2 + i;
                            throw error("bad \\u escape (expected four hex digits)");
                        }
                        v = v * 16 + d;
                        pos++;
                    }
                    b.append((char) v);
                }
                default -> {
                    pos -= 2;
                    throw error("unknown escape \\" + e);
                }
            }
        }
    }

    // ------------------------------------------------------------------ scanning

    private void skipSpace() {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return;
            }
            pos++;
        }
    }

    /** Whether the next word (after spaces) is {@code keyword}, case-insensitively, as a whole word. */
    private boolean peekKeyword(String keyword) {
        skipSpace();
        int end = pos + keyword.length();
        if (end > src.length() || (end < src.length() && isIdentPart(src.charAt(end)))) {
            return false;
        }
        for (int i = 0; i < keyword.length(); i++) {
            char c = src.charAt(pos + i);
            if ((c >= 'A' && c <= 'Z' ? (char) (c + 32) : c) != keyword.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean acceptKeyword(String keyword) {
        if (peekKeyword(keyword)) {
            pos += keyword.length();
            return true;
        }
        return false;
    }

    private void expect(char c, String message) throws FilterException {
        if (pos == src.length() || src.charAt(pos) != c) {
            throw error(message);
        }
        pos++;
    }

    private FilterException error(String reason) {
        return new FilterException(pos + 1, reason);
    }
}
