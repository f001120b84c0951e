package dev.ferry.protocol.state;

/**
 * A patch that cannot be applied: malformed, or not applicable to the document. {@link #index()} is the position
 * of the failing operation in a JSON Patch (from 0), or -1 for a merge patch or a patch that is not an array.
 */
public final class PatchException extends Exception {
    private final int index;

    public PatchException(int index, String message) {
        super(message, null, false, false);
        this.index = index;
    }

    public int index() {
        return index;
    }
}
