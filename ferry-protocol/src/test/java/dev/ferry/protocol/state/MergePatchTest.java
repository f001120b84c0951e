package dev.ferry.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The examples of RFC 7386 appendix A; each also checked through its translation into JSON Patch operations. */
class MergePatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{'a':'b'} | {'a':'c'} | {'a':'c'}",
            "{'a':'b'} | {'b':'c'} | {'a':'b','b':'c'}",
            "{'a':'b'} | {'a':null} | {}",
            "{'a':'b','b':'c'} | {'a':null} | {'b':'c'}",
            "{'a':['b']} | {'a':'c'} | {'a':'c'}",
            "{'a':'c'} | {'a':['b']} | {'a':['b']}",
            "{'a':{'b':'c'}} | {'a':{'b':'d','c':null}} | {'a':{'b':'d'}}",
            "{'a':[{'b':'c'}]} | {'a':[1]} | {'a':[1]}",
            "['a','b'] | ['c','d'] | ['c','d']",
            "{'a':'b'} | ['c'] | ['c']",
            "{'a':'foo'} | null | null",
            "{'a':'foo'} | 'bar' | 'bar'",
            "{'e':null} | {'a':1} | {'e':null,'a':1}",
            "[1,2] | {'a':'b','c':null} | {'a':'b'}",
            "{} | {'a':{'bb':{'ccc':null}}} | {'a':{'bb':{}}}",
            "{'x/y':{'~':1}} | {'x/y':{'~':2,'n':null}} | {'x/y':{'~':2}}",
    })
    void appendixExamples(String target, String patch, String expected) throws Exception {
        JsonNode t = json(target);
        JsonNode p = json(patch);
        assertThat(MergePatch.apply(t, p)).isEqualTo(json(expected));
        assertThat(JsonPatch.apply(t, MergePatch.toOperations(t, p))).isEqualTo(json(expected));
        assertThat(t).isEqualTo(json(target));
    }
}
