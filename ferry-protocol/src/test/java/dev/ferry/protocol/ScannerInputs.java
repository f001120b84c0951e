package dev.ferry.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Frames for the scanner tests ({@link PubScannerTest}, {@link CallScannerTest}): random JSON and mutations. */
final class ScannerInputs {
    private ScannerInputs() {
    }

    /** A random valid JSON value. */
    static String randomJson(Random r, int depth) {
        int kind = depth > 3 ? r.nextInt(5) : r.nextInt(7);
        return switch (kind) {
            case 0 -> List.of("true", "false", "null").get(r.nextInt(3));
            case 1 -> List.of("0", "-0", "17", "-3.25", "6.02e23", "1E-7", "123456789012345678901234").get(r.nextInt(7));
            case 2 -> List.of("\"\"", "\"plain\"", "\"q\\\"uote\"", "\"\\u00e9\\n\"", "\"caf\u00e9\"").get(r.nextInt(5));
            case 3, 4 -> "\"s" + r.nextInt(100) + "\"";
            case 5 -> {
                StringBuilder b = new StringBuilder("[");
                for (int i = r.nextInt(4); i > 0; i--) {
                    b.append(randomJson(r, depth + 1)).append(i > 1 ? "," : "");
                }
                yield b.append(']').toString();
            }
            default -> {
                StringBuilder b = new StringBuilder("{");
                for (int i = r.nextInt(4); i > 0; i--) {
                    b.append("\"k").append(i).append("\" : ").append(randomJson(r, depth + 1)).append(i > 1 ? " , " : "");
                }
                yield b.append('}').toString();
            }
        };
    }

    /** A frame of these members. */
    static byte[] frame(String... members) {
        return ("{" + String.join(",", members) + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** Six random mutations of each input (a byte deleted, inserted or replaced, or the frame cut short). */
    static List<byte[]> mutations(List<byte[]> inputs, Random random) {
        List<byte[]> mutated = new ArrayList<>();
        byte[] significant = "{}[]\",:\\ 0123456789.eE+-tfnu\t\r\n\u00e9".getBytes(StandardCharsets.UTF_8);
        for (byte[] base : inputs) {
            for (int k = 0; k < 6; k++) {
                byte[] b = base.clone();
                int at = random.nextInt(b.length);
                switch (random.nextInt(4)) {
                    case 0 -> b = cut(b, at, at + 1);
                    case 1 -> b = insert(b, at, significant[random.nextInt(significant.length)]);
                    case 2 -> b[at] = significant[random.nextInt(significant.length)];
                    default -> b = java.util.Arrays.copyOf(b, at);
                }
                mutated.add(b);
            }
        }
        return mutated;
    }

    private static byte[] cut(byte[] b, int from, int to) {
        byte[] r = new byte[b.length - (to - from)];
        System.arraycopy(b, 0, r, 0, from);
        System.arraycopy(b, to, r, from, b.length - to);
        return r;
    }

    private static byte[] insert(byte[] b, int at, byte v) {
        byte[] r = new byte[b.length + 1];
        System.arraycopy(b, 0, r, 0, at);
        r[at] = v;
        System.arraycopy(b, at, r, at + 1, b.length - at);
        return r;
    }
}
