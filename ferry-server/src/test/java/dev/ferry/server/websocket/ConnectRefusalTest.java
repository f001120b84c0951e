package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The close code and reason of a connect-hook refusal on a WebSocket (docs/hooks.md, "connect"). */
class ConnectRefusalTest {
    @Test
    void aRefusalCarriesTheApplicationsCodeAndReason() {
        ConnectRefusal r = ConnectRefusal.refused("login_required", "log in first");
        assertThat(r.closeCode()).isEqualTo(4403);
        assertThat(r.closeReason()).isEqualTo("login_required: log in first");
        ConnectRefusal u = ConnectRefusal.unavailable("the application did not answer the connect hook: timeout");
        assertThat(u.closeCode()).isEqualTo(4503);
        assertThat(u.closeReason()).isEqualTo("the application did not answer the connect hook: timeout");
    }

    @Test
    void aLongReasonIsCutWithinACloseFrameAtACharacterBoundary() {
        // 3-byte and 4-byte characters, so that a cut at byte 120 falls inside one of them
        String reason = "\u20ac".repeat(30) + "\uD83D\uDE00".repeat(30);
        String cut = ConnectRefusal.refused("x", reason).closeReason();
        byte[] bytes = cut.getBytes(StandardCharsets.UTF_8);
        assertThat(bytes.length).isLessThanOrEqualTo(123);
        assertThat(cut).startsWith("x: \u20ac").endsWith("...");
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(cut); // no broken sequence
        String body = cut.substring(0, cut.length() - 3);
        assertThat(body.codePoints().allMatch(c -> c == 'x' || c == ':' || c == ' ' || c == 0x20ac || c == 0x1F600))
                .isTrue();
        assertThat(ConnectRefusal.refused("x", "short").closeReason()).isEqualTo("x: short");
    }
}
