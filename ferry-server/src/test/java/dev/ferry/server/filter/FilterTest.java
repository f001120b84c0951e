package dev.ferry.server.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The grammar, its errors with their columns, and evaluation over tags and JSON payloads. */
class FilterTest {
    private static final String DATA = """
            {"region":"east","temp":31.5,"n":3,"ok":true,"none":null,"name":"alpha-beta",
             "and":1,"a":{"b":{"c":"deep"}},"items":[{"id":7},{"id":8}],"weird key":"w","0":"zero"}""";
    private static final Map<String, String> TAGS = Map.of("env", "prod", "prio", "5", "test", "");

    private static boolean eval(String expr) throws FilterException {
        return Filter.compile(expr).test(new FilterInput(Payload.json(DATA), TAGS));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // comparisons on data fields, bare and with data.
            "region == 'east' | true",
            "data.region == \"east\" | true",
            "region != 'east' | false",
            "region != 'west' | true",
            "temp > 30 | true",
            "temp >= 31.5 | true",
            "temp < 31.5 | false",
            "temp <= 31.5 | true",
            "n == 3 | true",
            "n == 3.0 | true",
            "n == 3e0 | true",
            "n > -1 | true",
            "n == '3' | false",
            "n != '3' | true",
            "region > 'ea' | true",
            "region < 'f' | true",
            "region > 3 | false",
            "ok == true | true",
            "ok == false | false",
            "none == null | true",
            "region == null | false",
            "missing == null | false",
            "missing != 'x' | false",
            "a.b.c == 'deep' | true",
            "data.a.b.c == 'deep' | true",
            "a.b == 'deep' | false",
            "items.1.id == 8 | true",
            "items.2.id == 8 | false",
            "data.0 == 'zero' | true",
            "data.'weird key' == 'w' | true",
            "data.and == 1 | true",
            // in, not in
            "region in ('east', 'west') | true",
            "region in ('north') | false",
            "region not in ('north', 'south') | true",
            "n in (1, 2, 3) | true",
            "missing not in ('x') | false",
            // strings
            "name startswith 'alpha' | true",
            "name endswith 'beta' | true",
            "name contains 'a-b' | true",
            "name contains 'zeta' | false",
            "n startswith '3' | false",
            // exists
            "exists(region) | true",
            "exists(none) | true",
            "exists(missing) | false",
            "exists(tags.env) | true",
            "exists(tags.test) | true",
            "exists(tags.nope) | false",
            "exists(data) | true",
            // tags
            "tags.env == 'prod' | true",
            "tags.env != 'dev' | true",
            "tags.prio == 5 | false",
            "tags.prio == '5' | true",
            "tags.prio > '4' | true",
            "tags.env in ('dev', 'prod') | true",
            "tags.env startswith 'pr' | true",
            "tags.nope != 'x' | false",
            // boolean structure and precedence
            "not region == 'west' | true",
            "NOT region == 'east' | false",
            "region == 'west' or temp > 30 and n == 3 | true",
            "(region == 'west' or temp > 30) and n == 4 | false",
            "region == 'west' or temp > 30 and n == 4 | false",
            "region == 'east' or temp > 30 and n == 4 | true",
            "not not ok == true | true",
            "not (region == 'east' and n == 3) | false",
            "region in ('east','west') and temp > 30 and not exists(tags.test) | false",
            "region in ('east','west') AND temp > 30 And not exists(tags.other) | true",
            "  ( ( n == 3 ) )  | true",
    })
    void evaluates(String expr, boolean expected) throws FilterException {
        assertThat(eval(expr)).as(expr).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> column {1}")
    @CsvSource(delimiter = '|', value = {
            "'' | 1 | empty filter",
            "'   ' | 4 | empty filter",
            "region = 'x' | 8 | '=' is not an operator",
            "region | 7 | expected an operator after the field reference but the filter ends",
            "region 'x' | 8 | expected an operator",
            "region == | 10 | expected a literal but the filter ends",
            "region == other | 11 | a field cannot be compared with a field",
            "region == 'east | 11 | unterminated string",
            "region == 'a\\q' | 13 | unknown escape",
            "region == '\\u12' | 12 | bad \\u escape",
            "n == 1. | 6 | digits must follow '.'",
            "n == 1e | 6 | digits must follow the exponent",
            "n == 12abc | 8 | malformed number",
            "n == 1e999 | 6 | number out of range",
            "n == - | 6 | malformed number",
            "(n == 1 | 8 | expected ')' to close the '(' at column 1",
            "n == 1) | 7 | unbalanced ')'",
            "n == 1 n == 2 | 8 | expected 'and', 'or' or the end",
            "n == 1 and | 11 | expected a condition",
            "n == 1 or or n == 2 | 11 | 'or' is a keyword",
            "and == 1 | 1 | 'and' is a keyword; a field of that name is written data.and",
            "'x' == n | 1 | a literal must follow the operator",
            "== 1 | 1 | expected a field reference, 'not', 'exists' or '('",
            "exists region | 8 | expected '(' after 'exists'",
            "exists(region | 14 | expected ')' after the field reference of 'exists'",
            "exists() | 8 | expected a field reference",
            "tags == 'x' | 5 | expected '.' and a tag name after 'tags'",
            "tags.a.b == 'x' | 7 | a tag is named by one name",
            "tags.1abc == 'x' | 6 | a tag name starts with a letter or '_'",
            "tags.9 == 'x' | 6 | a tag name starts with a letter or '_'",
            "tags.'weird key' == 'x' | 6 | a tag name starts with a letter or '_'",
            "exists(tags.\"k\") | 13 | a tag name starts with a letter or '_'",
            "tags. == 'x' | 6 | expected a tag name after 'tags.'",
            "tags.-x == 'x' | 6 | a tag name starts with a letter or '_'",
            "a. == 1 | 3 | expected a name after '.'",
            "region in 'east' | 11 | expected '(' to start the list",
            "region in ('east' 'west') | 19 | expected ',' or ')'",
            "region in () | 12 | expected a literal",
            "region not 'x' | 12 | expected 'in' after 'not'",
            "name startswith 3 | 17 | 'startswith' needs a string literal",
            "name endswith true | 15 | 'endswith' needs a string literal",
            "region == 'x' # | 15 | expected 'and', 'or' or the end",
            "é == 1 | 1 | expected a field reference",
    })
    void refuses(String expr, int column, String reason) {
        assertThatThrownBy(() -> Filter.compile(expr)).isInstanceOfSatisfying(FilterException.class, e -> {
            assertThat(e.column()).as(e.getMessage()).isEqualTo(column);
            assertThat(e.getMessage()).startsWith("column " + column + ": ").contains(reason);
        });
    }

    @Test
    void tagNamesFollowTheTagRule() throws FilterException {
        FilterInput in = new FilterInput(Payload.json("{}"), Map.of("and", "1", "_a9", "2"));
        assertThat(Filter.compile("tags.and == '1'").test(in)).isTrue(); // not a keyword after 'tags.'
        assertThat(Filter.compile("tags._a9 == '2'").test(in)).isTrue();
        String longest = "n".repeat(FrameCodec.MAX_TAG_NAME);
        Filter.compile("exists(tags." + longest + ")");
        assertThatThrownBy(() -> Filter.compile("exists(tags." + longest + "n)"))
                .isInstanceOfSatisfying(FilterException.class, e -> {
                    assertThat(e.column()).isEqualTo(13);
                    assertThat(e.getMessage()).contains("a tag name has at most " + FrameCodec.MAX_TAG_NAME);
                });
    }

    @Test
    void limits() throws FilterException {
        Filter.compile("n == 1 or " + "x == 'y' or ".repeat(300) + "n == 2"); // long flat chains are fine
        String deep = "(".repeat(Filter.MAX_DEPTH) + "n == 3" + ")".repeat(Filter.MAX_DEPTH);
        assertThat(eval(deep)).isTrue();
        assertThatThrownBy(() -> Filter.compile("(" + deep + ")")).isInstanceOfSatisfying(FilterException.class,
                e -> assertThat(e.column()).isEqualTo(Filter.MAX_DEPTH + 1));
        assertThatThrownBy(() -> Filter.compile("not ".repeat(Filter.MAX_DEPTH + 1) + "n == 1"))
                .isInstanceOfSatisfying(FilterException.class,
                        e -> assertThat(e.column()).isEqualTo(4 * Filter.MAX_DEPTH + 1));
        String list = "n in (" + "1,".repeat(Filter.MAX_LIST - 1) + "3)";
        assertThat(eval(list)).isTrue();
        String tooLong = "n in (" + "1,".repeat(Filter.MAX_LIST) + "3)";
        assertThatThrownBy(() -> Filter.compile(tooLong)).isInstanceOfSatisfying(FilterException.class,
                e -> assertThat(e.column()).isEqualTo(7 + 2 * Filter.MAX_LIST));
        String path = "a" + ".b".repeat(Filter.MAX_PATH - 1) + " == 1";
        Filter.compile(path);
        assertThatThrownBy(() -> Filter.compile("data" + ".b".repeat(Filter.MAX_PATH + 1) + " == 1"))
                .isInstanceOfSatisfying(FilterException.class,
                        e -> assertThat(e.column()).isEqualTo(6 + 2 * Filter.MAX_PATH));
        String huge = "n == '" + "x".repeat(Filter.MAX_LENGTH) + "'";
        assertThatThrownBy(() -> Filter.compile(huge)).isInstanceOfSatisfying(FilterException.class,
                e -> assertThat(e.column()).isEqualTo(Filter.MAX_LENGTH + 1));
    }

    @Test
    void stringEscapesAndQuotedSegments() throws FilterException {
        FilterInput in = new FilterInput(Payload.json("{\"q\":\"it's \\\"x\\\"\\n\",\"u\":\"\\u00e9\"}"), Map.of());
        assertThat(Filter.compile("q == 'it\\'s \"x\"\\n'").test(in)).isTrue();
        assertThat(Filter.compile("q == \"it's \\\"x\\\"\\n\"").test(in)).isTrue();
        assertThat(Filter.compile("u == '\\u00E9'").test(in)).isTrue();
        assertThat(Filter.compile("u == 'é'").test(in)).isTrue();
        assertThat(Filter.compile("data.\"u\" == 'é'").test(in)).isTrue();
    }

    @Test
    void binaryAndNonObjectPayloads() throws FilterException {
        FilterInput binary = new FilterInput(Payload.binary(new byte[] {1, 2, 3}), Map.of("k", "v"));
        assertThat(Filter.compile("exists(data)").test(binary)).isFalse();
        assertThat(Filter.compile("data != 1").test(binary)).isFalse();
        assertThat(Filter.compile("tags.k == 'v'").test(binary)).isTrue();
        assertThat(binary.parsed()).isTrue();
        FilterInput number = new FilterInput(Payload.json("42"), null);
        assertThat(Filter.compile("data == 42").test(number)).isTrue();
        assertThat(Filter.compile("data.x == 42").test(number)).isFalse();
        assertThat(Filter.compile("exists(tags.k)").test(number)).isFalse();
        FilterInput array = new FilterInput(Payload.json("[\"a\",\"b\"]"), null);
        assertThat(Filter.compile("data.1 == 'b'").test(array)).isTrue();
    }

    @Test
    void payloadParsedOnceAndOnlyWhenNeeded() throws FilterException {
        FilterInput in = new FilterInput(Payload.json(DATA), TAGS);
        Filter tagsOnly = Filter.compile("tags.env == 'prod'");
        assertThat(tagsOnly.usesData()).isFalse();
        assertThat(tagsOnly.test(in)).isTrue();
        assertThat(in.parsed()).isFalse();
        Filter a = Filter.compile("region == 'east'");
        Filter b = Filter.compile("temp > 30");
        assertThat(a.usesData()).isTrue();
        assertThat(a.test(in)).isTrue();
        var tree = in.data();
        assertThat(b.test(in)).isTrue();
        assertThat(in.data()).isSameAs(tree);
    }
}
