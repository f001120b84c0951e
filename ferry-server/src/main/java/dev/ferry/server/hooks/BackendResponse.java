package dev.ferry.server.hooks;

import java.net.http.HttpHeaders;

/**
 * An answer of a backend, whatever its status.
 *
 * @param status the HTTP status
 * @param headers the response headers
 * @param body the response body (empty when there is none)
 */
public record BackendResponse(int status, HttpHeaders headers, byte[] body) {
    /** A 2xx status. */
    public boolean ok() {
        return status >= 200 && status < 300;
    }
}
