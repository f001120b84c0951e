package dev.ferry.protocol;

/**
 * The grammar of a publication id, the client's name for one publication ({@code pub_id} of {@code pub}, the HTTP
 * header {@code Ferry-Pub-Id}; docs/protocol.md, "pub"): 1 to {@value #MAX_LENGTH} ASCII letters, digits and
 * {@code _ - . :}, so that it is safe in keys, headers and logs as it is.
 */
public final class PubIds {
    public static final int MAX_LENGTH = 64;

    private PubIds() {
    }

    /** Why {@code id} is not a publication id, or null when it is one. */
    public static String check(String id) {
        if (id == null || id.isEmpty()) {
            return "empty (expected: 1 to " + MAX_LENGTH + " letters, digits, '_', '-', '.' or ':')";
        }
        if (id.length() > MAX_LENGTH) {
            return "longer than " + MAX_LENGTH + " characters";
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || c == '.' || c == ':';
            if (!ok) {
                return "character " + (c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'")
                        + " at " + i + " (expected: letters, digits, '_', '-', '.' or ':')";
            }
        }
        return null;
    }
}
