package dev.ferry.server.filter;

/**
 * A filter expression that breaks the grammar or a limit (docs/protocol.md §4.4). The message always starts
 * with {@code column N:}, N counting the expression's characters (UTF-16 code units) from 1.
 */
public final class FilterException extends Exception {
    private final int column;
    private final String reason;

    public FilterException(int column, String reason) {
        super("column " + column + ": " + reason, null, false, false);
        this.column = column;
        this.reason = reason;
    }

    /** Where the problem starts, from 1. */
    public int column() {
        return column;
    }

    /** What is wrong, without the column. */
    public String reason() {
        return reason;
    }
}
