package dev.ferry.server.multiplex;

/**
 * One frame of the SockJS websocket-multiplex protocol: {@code sub,<channel>}, {@code msg,<channel>,<data>} or
 * {@code uns,<channel>} (the client's frames); the server also sends {@code msg}, {@code uns}, and Ferry's own
 * {@code err,<channel>,<json>}.
 *
 * @param type {@code sub}, {@code msg} or {@code uns}
 * @param channel the channel name, as sent (checked against the topic grammar by the handler)
 * @param data the text after the second comma of a {@code msg}; {@code null} for {@code sub} and {@code uns}
 */
record MultiplexFrame(String type, String channel, String data) {
    static final String SUB = "sub";
    static final String MSG = "msg";
    static final String UNS = "uns";
    static final String ERR = "err";

    /** Thrown for a frame of none of the three shapes; the message says why. */
    static final class MalformedException extends Exception {
        MalformedException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Parses one text message. {@code sub} and {@code uns} take the whole rest as the channel, {@code msg} splits
     * at the second comma (so data may contain commas, a channel cannot).
     */
    static MultiplexFrame parse(String text) throws MalformedException {
        int c1 = text.indexOf(',');
        if (c1 < 0) {
            throw new MalformedException("no comma (expected: sub,<channel> msg,<channel>,<data> or uns,<channel>)");
        }
        String type = text.substring(0, c1);
        String rest = text.substring(c1 + 1);
        switch (type) {
            case SUB, UNS -> {
                return new MultiplexFrame(type, nonEmpty(rest), null);
            }
            case MSG -> {
                int c2 = rest.indexOf(',');
                if (c2 < 0) {
                    throw new MalformedException("msg without data (expected: msg,<channel>,<data>)");
                }
                return new MultiplexFrame(type, nonEmpty(rest.substring(0, c2)), rest.substring(c2 + 1));
            }
            default -> throw new MalformedException("unknown frame type \"" + shorten(type) + "\" (expected: sub, msg or uns)");
        }
    }

    /**
     * The topic a channel name stands for: the name with JavaScript {@code unescape()} applied ({@code %XX} and
     * {@code %uXXXX}), because the websocket-multiplex client sends {@code escape(name)} ({@code chat.#} travels as
     * {@code chat.%23}). A {@code %} that starts no escape is kept, and then fails the topic grammar.
     */
    static String topicOf(String channel) {
        if (channel.indexOf('%') < 0) {
            return channel;
        }
        StringBuilder b = new StringBuilder(channel.length());
        int i = 0;
        while (i < channel.length()) {
            char c = channel.charAt(i);
            if (c == '%' && i + 1 < channel.length() && channel.charAt(i + 1) == 'u' && isHex(channel, i + 2, 4)) {
                b.append((char) Integer.parseInt(channel.substring(i + 2, i + 6), 16));
                i += 6;
            } else if (c == '%' && isHex(channel, i + 1, 2)) {
                b.append((char) Integer.parseInt(channel.substring(i + 1, i + 3), 16));
                i += 3;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    private static boolean isHex(String s, int from, int n) {
        if (from + n > s.length()) {
            return false;
        }
        for (int i = from; i < from + n; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String nonEmpty(String channel) throws MalformedException {
        if (channel.isEmpty()) {
            throw new MalformedException("empty channel name");
        }
        return channel;
    }

    private static String shorten(String s) {
        return s.length() <= 16 ? s : s.substring(0, 16) + "...";
    }
}
