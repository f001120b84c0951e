package dev.ferry.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The examples of RFC 6902 appendix A, and the error cases. */
class JsonPatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static JsonNode apply(String doc, String patch) throws Exception {
        return JsonPatch.apply(json(doc), json(patch));
    }

    @ParameterizedTest(name = "A.{index}: {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "A.1 add an object member | {'foo':'bar'} | [{'op':'add','path':'/baz','value':'qux'}] | {'baz':'qux','foo':'bar'}",
            "A.2 add an array element | {'foo':['bar','baz']} | [{'op':'add','path':'/foo/1','value':'qux'}] | {'foo':['bar','qux','baz']}",
            "A.3 remove an object member | {'baz':'qux','foo':'bar'} | [{'op':'remove','path':'/baz'}] | {'foo':'bar'}",
            "A.4 remove an array element | {'foo':['bar','qux','baz']} | [{'op':'remove','path':'/foo/1'}] | {'foo':['bar','baz']}",
            "A.5 replace a value | {'baz':'qux','foo':'bar'} | [{'op':'replace','path':'/baz','value':'boo'}] | {'baz':'boo','foo':'bar'}",
            "A.6 move a value | {'foo':{'bar':'baz','waldo':'fred'},'qux':{'corge':'grault'}} | [{'op':'move','from':'/foo/waldo','path':'/qux/thud'}] | {'foo':{'bar':'baz'},'qux':{'corge':'grault','thud':'fred'}}",
            "A.7 move an array element | {'foo':['all','grass','cows','eat']} | [{'op':'move','from':'/foo/1','path':'/foo/3'}] | {'foo':['all','cows','eat','grass']}",
            "A.8 test a value: success | {'baz':'qux','foo':['a',2,'c']} | [{'op':'test','path':'/baz','value':'qux'},{'op':'test','path':'/foo/1','value':2}] | {'baz':'qux','foo':['a',2,'c']}",
            "A.10 add a nested member object | {'foo':'bar'} | [{'op':'add','path':'/child','value':{'grandchild':{}}}] | {'foo':'bar','child':{'grandchild':{}}}",
            "A.11 ignore unrecognized elements | {'foo':'bar'} | [{'op':'add','path':'/baz','value':'qux','xyz':123}] | {'foo':'bar','baz':'qux'}",
            "A.14 ~ escape ordering | {'/':9,'~1':10} | [{'op':'test','path':'/~01','value':10}] | {'/':9,'~1':10}",
            "A.16 add an array value | {'foo':['bar']} | [{'op':'add','path':'/foo/-','value':['abc','def']}] | {'foo':['bar',['abc','def']]}",
            "replace the whole document | {'a':1} | [{'op':'replace','path':'','value':[1]}] | [1]",
            "copy | {'a':{'b':1}} | [{'op':'copy','from':'/a','path':'/c'},{'op':'replace','path':'/c/b','value':2}] | {'a':{'b':1},'c':{'b':2}}",
            "numbers compare by value | {'n':1} | [{'op':'test','path':'/n','value':1.0}] | {'n':1}",
    })
    void appendixExamples(String name, String doc, String patch, String expected) throws Exception {
        assertThat(apply(doc, patch)).isEqualTo(json(expected));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "A.9 test a value: error | {'baz':'qux'} | [{'op':'test','path':'/baz','value':'bar'}] | 0 | test failed",
            "A.12 add to a nonexistent target | {'foo':'bar'} | [{'op':'add','path':'/baz/bat','value':'qux'}] | 0 | parent of the target does not exist",
            "A.15 comparing strings and numbers | {'/':9,'~1':10} | [{'op':'test','path':'/~01','value':'10'}] | 0 | test failed",
            "remove a missing member | {'a':1} | [{'op':'remove','path':'/b'}] | 0 | does not exist",
            "replace a missing member | {'a':1} | [{'op':'replace','path':'/b','value':1}] | 0 | does not exist",
            "index out of bounds | {'a':[1]} | [{'op':'add','path':'/a/2','value':1}] | 0 | out of bounds",
            "leading zero index | {'a':[1,2]} | [{'op':'remove','path':'/a/01'}] | 0 | out of bounds",
            "unknown op | {} | [{'op':'add','path':'/a','value':1},{'op':'frob','path':'/a'}] | 1 | unknown op",
            "missing value | {} | [{'op':'add','path':'/a'}] | 0 | missing \"value\"",
            "missing path | {} | [{'op':'remove'}] | 0 | missing \"path\"",
            "bad pointer | {} | [{'op':'add','path':'a','value':1}] | 0 | must be empty or start with",
            "bad escape | {} | [{'op':'add','path':'/a~2','value':1}] | 0 | must be followed by 0 or 1",
            "move into a child | {'a':{'b':1}} | [{'op':'move','from':'/a','path':'/a/b/c'}] | 0 | own children",
            "move from nowhere | {} | [{'op':'move','from':'/x','path':'/y'}] | 0 | does not exist",
            "operation not an object | {} | [1] | 0 | not an object",
            "remove the whole document | {} | [{'op':'remove','path':''}] | 0 | whole document",
    })
    void errors(String name, String doc, String patch, int index, String message) throws Exception {
        assertThatThrownBy(() -> apply(doc, patch)).isInstanceOf(PatchException.class)
                .hasMessageContaining(message).extracting(e -> ((PatchException) e).index()).isEqualTo(index);
    }

    @Test
    void aFailingOperationLeavesTheDocumentUntouched() throws Exception {
        JsonNode doc = json("{'a':1}");
        assertThatThrownBy(() -> JsonPatch.apply(doc, json("[{'op':'add','path':'/b','value':2},{'op':'remove','path':'/zz'}]")))
                .isInstanceOf(PatchException.class);
        assertThat(doc).isEqualTo(json("{'a':1}"));
    }

    @Test
    void aPatchMustBeAnArray() {
        assertThatThrownBy(() -> apply("{}", "{'op':'add'}")).isInstanceOf(PatchException.class)
                .hasMessageContaining("array").extracting(e -> ((PatchException) e).index()).isEqualTo(-1);
    }

    @Test
    void pointerEscapes() {
        assertThat(JsonPointer.parse("/a~1b/c~0d/")).containsExactly("a/b", "c~d", "");
        assertThat(JsonPointer.escape("a/b~c")).isEqualTo("a~1b~0c");
    }
}
