package dev.ferry.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerReportTest {
    private static final List<String> SAMPLE = List.of(
            "progress noise that is not JSON",
            "{\"bench\":\"peer-fanout\",\"peer\":\"ferry\",\"subscribers\":100,\"step\":0,\"offered_dps\":10000,\"dps\":10000,\"p50_ms\":1,\"p99_ms\":5,\"sustained\":true}",
            "{\"bench\":\"peer-fanout\",\"peer\":\"ferry\",\"subscribers\":100,\"step\":1,\"offered_dps\":20000,\"dps\":20000,\"p50_ms\":2,\"p99_ms\":80,\"sustained\":false}",
            "{\"bench\":\"peer-fanout\",\"peer\":\"nats\",\"subscribers\":100,\"step\":0,\"offered_dps\":10000,\"dps\":10000,\"p50_ms\":1,\"p99_ms\":3,\"sustained\":true}",
            "{\"bench\":\"peer-fanout-best\",\"peer\":\"ferry\",\"subscribers\":100,\"rate\":300,\"dps\":30000,\"p50_ms\":1.5,\"p99_ms\":20,\"max_dps\":60000,\"max_p50_ms\":9,\"max_p99_ms\":120,\"stop\":\"p99 above 1000 ms (queueing)\"}",
            "{\"bench\":\"peer-fanout-best\",\"peer\":\"nats\",\"subscribers\":100,\"rate\":200,\"dps\":20000,\"p50_ms\":1,\"p99_ms\":4,\"max_dps\":40000,\"max_p50_ms\":2,\"max_p99_ms\":70,\"stop\":\"x\"}",
            "{\"bench\":\"peer-fanout-best\",\"peer\":\"node-ws\",\"subscribers\":100,\"rate\":100,\"dps\":10000,\"p50_ms\":1,\"p99_ms\":4,\"max_dps\":10000,\"max_p50_ms\":1,\"max_p99_ms\":4,\"stop\":\"x\"}",
            "{\"bench\":\"peer-fanout-best\",\"peer\":\"raw-netty\",\"subscribers\":100,\"rate\":400,\"dps\":40000,\"p50_ms\":1,\"p99_ms\":4,\"max_dps\":80000,\"max_p50_ms\":3,\"max_p99_ms\":90,\"stop\":\"last step reached\"}",
            "{\"bench\":\"peer-fanout-best\",\"peer\":\"rabbitmq\",\"subscribers\":100,\"stop\":\"deliveries missing after the drain wait\"}",
            "{\"bench\":\"peer-fanout-best\",\"peer\":\"ferry\",\"subscribers\":1000,\"max_rate\":50,\"max_dps\":50000,\"max_p50_ms\":20,\"max_p99_ms\":300,\"stop\":\"x\"}",
            "{\"bench\":\"peer-topics-best\",\"peer\":\"ferry\",\"subscribers\":1000,\"rate\":4000,\"dps\":4000,\"p50_ms\":1,\"p99_ms\":9,\"max_dps\":8000,\"max_p50_ms\":2,\"max_p99_ms\":60,\"stop\":\"y\"}",
            "{\"bench\":\"peer-topics-best\",\"peer\":\"nats\",\"subscribers\":1000,\"rate\":2000,\"dps\":2000,\"p50_ms\":1,\"p99_ms\":9,\"max_dps\":16000,\"max_p50_ms\":2,\"max_p99_ms\":60,\"stop\":\"y\"}",
            "{\"bench\":\"peer-idle\",\"peer\":\"ferry\",\"connections\":10000,\"rss_per_conn_bytes\":8192,\"heap_per_conn_bytes\":3072,\"cpu_percent\":0.5,\"open_at_end\":10000}",
            "{\"bench\":\"peer-idle\",\"peer\":\"mosquitto\",\"connections\":10000,\"rss_per_conn_bytes\":4096,\"cpu_percent\":0.1,\"open_at_end\":10000}",
            "{\"bench\":\"peer-idle\",\"peer\":\"raw-netty\",\"connections\":10000,\"rss_per_conn_bytes\":2048,\"heap_per_conn_bytes\":1024,\"cpu_percent\":0.2,\"open_at_end\":10000}",
            "{\"bench\":\"peer-idle\",\"peer\":\"rabbitmq\",\"connections\":10000,\"failed\":\"stalled\"}",
            "{\"bench\":\"peer-rpc\",\"peer\":\"ferry\",\"callers\":50,\"rps\":10000,\"p50_ms\":0.6,\"p99_ms\":5,\"errors\":0}",
            "{\"bench\":\"peer-rpc\",\"peer\":\"ferry\",\"callers\":1,\"rps\":8000,\"p50_ms\":0.12,\"p99_ms\":0.3,\"errors\":0}",
            "{\"bench\":\"peer-rpc\",\"peer\":\"netty-echo\",\"callers\":50,\"rps\":40000,\"p50_ms\":0.3,\"p99_ms\":2,\"errors\":0}",
            "{\"bench\":\"peer-rpc\",\"peer\":\"netty-echo\",\"callers\":1,\"rps\":24000,\"p50_ms\":0.04,\"p99_ms\":0.1,\"errors\":0}");

    @Test
    void tablesCarryAbsoluteFiguresAndRatiosToTheBestPeerAndTheCeiling() {
        String md = PeerReport.parse(SAMPLE).markdown("benchmarks/");

        // fan-out, 100 subscribers: at p99 <= 50 ms best peer nats (20,000), ceiling 40,000, Ferry 30,000;
        // highest kept up: best peer nats (40,000), ceiling 80,000, Ferry 60,000
        assertThat(md).contains("**100 subscribers**", "**1,000 subscribers**");
        assertThat(md).contains("| **ferry** | 30,000 | 1.50 | 20.0 | 1.50× | 0.75× | 60,000 | 9.00 | 120 | 1.50× | 0.75× "
                + "| p99 above 1000 ms (queueing) |");
        assertThat(md).contains("| nats | 20,000 | 1.00 | 4.00 | 1.00× | 0.50× | 40,000 | 2.00 | 70.0 | 1.00× | 0.50× | x |");
        assertThat(md).contains("| node-ws | 10,000 | 1.00 | 4.00 | 0.50× | 0.25× | 10,000 | 1.00 | 4.00 | 0.25× | 0.13× | x |");
        assertThat(md).contains("| raw-netty | 40,000 | 1.00 | 4.00 | 2.00× | 1.00× | 80,000 | 3.00 | 90.0 | 2.00× | 1.00× |");
        assertThat(md).contains("| rabbitmq | none | - | - | - | - | none | - | - | - | - |");
        // 1,000 subscribers: nothing within the limit, no peer and no ceiling: no ratios
        assertThat(md).contains("| **ferry** | none | - | - | - | - | 50,000 | 20.0 | 300 | - | - | x |");

        // many topics: its own table
        assertThat(md).contains("### Many topics");
        assertThat(md).contains("| **ferry** | 4,000 | 1.00 | 9.00 | 2.00× | - | 8,000 | 2.00 | 60.0 | 0.50× | - | y |");

        // idle: lower is better; best peer mosquitto (4 KiB), ceiling 2 KiB
        assertThat(md).contains("| **ferry** | 10,000 | 8.0 KiB | 3.0 KiB | 0.50 | 2.00× | 4.00× | 10,000 |");
        assertThat(md).contains("| mosquitto | 10,000 | 4.0 KiB | - | 0.10 | 1.00× | 2.00× | 10,000 |");
        assertThat(md).contains("| rabbitmq | 10,000 | failed: stalled |");

        // rpc: against the echo reference with as many callers
        assertThat(md).contains("| **ferry** | 50 | 10,000 | 0.600 | 5.00 | 2.00× | 0.25× | 0 |");
        assertThat(md).contains("| **ferry** | 1 | 8,000 | 0.120 | 0.300 | 3.00× | 0.33× | 0 |");

        assertThat(md).contains("](benchmarks/peers-fanout.png)", "](benchmarks/peers-latency.png)",
                "](benchmarks/peers-memory.png)");
    }

    @Test
    void chartsAreWrittenAsDecodablePngs(@TempDir Path dir) throws Exception {
        PeerReport.parse(SAMPLE).charts(dir);
        for (String name : List.of(PeerReport.FANOUT_CHART, PeerReport.LATENCY_CHART, PeerReport.MEMORY_CHART)) {
            Path file = dir.resolve(name);
            assertThat(file).exists();
            assertThat(Files.readAllBytes(file)).startsWith(0x89, 'P', 'N', 'G');
            BufferedImage image = ImageIO.read(file.toFile());
            assertThat(image).isNotNull();
            assertThat(image.getWidth()).isEqualTo(Charts.WIDTH);
            assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT);
        }
    }

    @Test
    void ratiosNeedBothFigures() {
        assertThat(PeerReport.ratio(3, 2)).isEqualTo("1.50×");
        assertThat(PeerReport.ratio(3, 0)).isEqualTo("-");
        assertThat(PeerReport.ratio(0, 2)).isEqualTo("-");
        assertThat(PeerReport.isPeer("nats")).isTrue();
        assertThat(PeerReport.isPeer("ferry")).isFalse();
        assertThat(PeerReport.isPeer("raw-netty")).isFalse();
        assertThat(PeerReport.isPeer("netty-echo")).isFalse();
    }
}
