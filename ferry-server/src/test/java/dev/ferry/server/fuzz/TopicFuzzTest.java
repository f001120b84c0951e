package dev.ferry.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.TopicPatterns;

/**
 * The topic parser and pattern containment: checks never throw; on a concrete topic containment agrees with
 * matching; and containment is sound (a topic matched by the inner pattern is matched by the outer one).
 */
class TopicFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void grammarAndContainment(FuzzedDataProvider data) {
        String outer = data.consumeString(80);
        String inner = data.consumeString(80);
        String topic = data.consumeRemainingAsString();
        Topics.checkTopic(topic);
        Topics.checkProcedure(topic);
        boolean outerOk = Topics.checkPattern(outer) == null;
        boolean innerOk = Topics.checkPattern(inner) == null;
        boolean topicOk = Topics.checkTopic(topic) == null;
        if (outerOk && topicOk) {
            assertThat(TopicPatterns.covers(outer, topic)).as("%s covers %s", outer, topic)
                    .isEqualTo(Topics.matches(outer, topic));
        }
        if (outerOk && innerOk && topicOk && TopicPatterns.covers(outer, inner) && Topics.matches(inner, topic)) {
            assertThat(Topics.matches(outer, topic)).as("%s covers %s, which matches %s", outer, inner, topic).isTrue();
        }
    }
}
