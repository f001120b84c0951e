package dev.ferry.bench.peers;

import java.util.Locale;

/** One line of JSON, built member by member: the result format every peer command prints on stdout. */
final class JsonLine {
    private final StringBuilder out = new StringBuilder("{");

    JsonLine put(String name, String value) {
        member(name);
        if (value == null) {
            out.append("null");
        } else {
            out.append('"');
            for (char c : value.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            out.append('"');
        }
        return this;
    }

    JsonLine put(String name, long value) {
        member(name);
        out.append(value);
        return this;
    }

    JsonLine put(String name, double value) {
        member(name);
        out.append(Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "null");
        return this;
    }

    JsonLine put(String name, boolean value) {
        member(name);
        out.append(value);
        return this;
    }

    private void member(String name) {
        if (out.length() > 1) {
            out.append(',');
        }
        out.append('"').append(name).append("\":");
    }

    @Override
    public String toString() {
        return out + "}";
    }
}
