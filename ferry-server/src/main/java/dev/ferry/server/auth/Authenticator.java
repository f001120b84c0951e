package dev.ferry.server.auth;

import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.IssuerConfig;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import dev.ferry.server.time.ServerClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Turns presented credentials into an {@link Identity}, for every transport:
 * <ul>
 *   <li>{@link #authenticate} when a connection opens: a token from {@code Authorization: Bearer}, the cookie
 *       {@code auth.cookie}, or the {@code access_token} query parameter (in that order); without one, the client
 *       certificate the TLS handshake verified; with neither, anonymous when {@code auth.anonymous} allows it;</li>
 *   <li>{@link #authenticateApi} for an HTTP API request: {@code Authorization: Bearer} with an API key or a token,
 *       else the verified client certificate (never anonymous, never a cookie);</li>
 *   <li>{@link #verifyToken} for a token presented on an open connection (the ferry.v1 {@code auth} command).</li>
 * </ul>
 * A credential presented in the request (token or API key) always decides the identity, even beside a client
 * certificate: the certificate stands in only for a missing one, and a bad credential is refused, never replaced by
 * the certificate. Thread-safe; never blocks the caller (JWKS are fetched on a thread of its own). {@link #close()}
 * stops it.
 */
public final class Authenticator implements AutoCloseable {
    /** The message of {@code 403 api_disabled}: what is missing, and an example of turning the API on. */
    static final String API_DISABLED = "the HTTP API is off: no http.api-keys and no auth.issuers are configured. "
            + "Turn it on with an API key, e.g. ferry serve --set http.api-keys=$(openssl rand -hex 16), "
            + "and send the key as Authorization: Bearer <key>";

    public static final String QUERY_PARAM = "access_token";

    private final AuthConfig config;
    private final SecurityCounters counters;
    /** SHA-256 of each API key, so that comparing takes the same time whatever the key's length. */
    private final List<byte[]> keyHashes = new ArrayList<>();
    private final List<Identity> keyIdentities = new ArrayList<>();
    private final TokenVerifier tokens;
    private final ScheduledExecutorService refresher;
    private final Bans bans;

    public Authenticator(AuthConfig config, HttpConfig http, SecurityCounters counters) {
        this(config, http, counters, ServerClock.system());
    }

    /** Checks tokens against {@code clock}, on which JWKS refreshes are also timed. */
    public Authenticator(AuthConfig config, HttpConfig http, SecurityCounters counters, ServerClock clock) {
        this(config, http, counters, clock, new Bans(clock));
    }

    /** As above, with the bans of {@code bans}: an authenticator that replaces another on reload keeps its bans. */
    Authenticator(AuthConfig config, HttpConfig http, SecurityCounters counters, ServerClock clock, Bans bans) {
        this.config = config;
        this.counters = counters;
        this.bans = bans;
        int i = 0;
        for (String k : http.apiKeys()) {
            keyHashes.add(sha256(k));
            keyIdentities.add(Identity.apiKey("api-key-" + ++i, Grants.ALL));
        }
        for (ApiKeyConfig k : http.namedKeys()) {
            keyHashes.add(sha256(k.key()));
            keyIdentities.add(Identity.apiKey(k.name(), Grants.of(k.allow().stream().map(g -> grant(k, g)).toList())));
        }
        HttpClient client = null;
        Map<String, IssuerKeys> issuers = new LinkedHashMap<>();
        boolean jwks = false;
        for (IssuerConfig ic : config.issuers()) {
            if (ic.jwksUrl() != null && client == null) {
                client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                        .followRedirects(HttpClient.Redirect.NEVER).build();
            }
            IssuerKeys keys = new IssuerKeys(ic, client, clock);
            issuers.put(ic.issuer(), keys);
            jwks |= keys.hasJwks();
        }
        if (jwks) {
            refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ferry-jwks");
                t.setDaemon(true);
                return t;
            });
            for (IssuerKeys k : issuers.values()) {
                if (k.hasJwks()) {
                    long every = k.config().jwksRefresh().toMillis();
                    clock.scheduleAtFixedRate(refresher, k::refresh, every, TimeUnit.MILLISECONDS);
                }
            }
        } else {
            refresher = null;
        }
        this.tokens = new TokenVerifier(config, issuers, clock, k -> refresher.execute(() -> {
            if (k.mayRefreshEarly()) {
                k.refresh();
            }
        }));
    }

    /** The grant {@code text} of API key {@code key}; a ConfigException names the key's {@code allow} when it is bad. */
    private static PermissionRule grant(ApiKeyConfig key, String text) {
        try {
            return PermissionRule.parseGrant(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("http.api-keys." + key.name() + ".allow: " + e.getMessage());
        }
    }

    /** Whether the HTTP API accepts anything: some API key or some token issuer is configured. */
    public boolean apiEnabled() {
        return !keyHashes.isEmpty() || !config.issuers().isEmpty();
    }

    /** Credentials of a connection being opened (WebSocket upgrade, and later SSE and the other transports). */
    public AuthOutcome authenticate(AuthRequest request) {
        return bans.admit(identify(request));
    }

    /** The identities operators have banned from connecting for a while. */
    /**
     * The identity of the API key named {@code name} under this authenticator's keys (its current grants), or an
     * identity of that name granted nothing when no such key is configured: how a connection opened with a key is
     * re-scoped when a reload changes or removes the key.
     */
    public Identity apiKeyIdentity(String name) {
        for (Identity k : keyIdentities) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        return Identity.apiKey(name, Grants.of(List.of()));
    }

    public Bans bans() {
        return bans;
    }

    private AuthOutcome identify(AuthRequest request) {
        String token = request.bearer();
        if (token == null && !config.cookie().isEmpty()) {
            token = request.cookies().get(config.cookie());
        }
        if (token == null && config.queryParam()) {
            token = request.queryParam(QUERY_PARAM);
        }
        if (token == null || token.isEmpty()) {
            if (request.certificate() != null) {
                return CertificatePrincipal.identity(request.certificate());
            }
            if (config.anonymous()) {
                return Identity.ANONYMOUS;
            }
            counters.authFailed();
            return AuthError.unauthorized("missing token (expected: Authorization: Bearer <token>"
                    + (config.cookie().isEmpty() ? "" : ", cookie " + config.cookie())
                    + (config.queryParam() ? ", or ?" + QUERY_PARAM + "=<token>" : "") + ")");
        }
        return credential(token);
    }

    /**
     * Credentials of an HTTP API request: {@code Authorization: Bearer <API key or token>}, else a verified client
     * certificate (which enables the API even without API keys or issuers).
     */
    public AuthOutcome authenticateApi(AuthRequest request) {
        if (request.bearer() == null && request.certificate() != null) {
            return CertificatePrincipal.identity(request.certificate());
        }
        if (!apiEnabled()) {
            return new AuthError(403, "api_disabled", API_DISABLED);
        }
        String bearer = request.bearer();
        if (bearer == null) {
            counters.authFailed();
            return AuthError.unauthorized("missing API key (expected: Authorization: Bearer <key>"
                    + (config.issuers().isEmpty() ? "" : " or Bearer <token>") + ")");
        }
        return credential(bearer);
    }

    /** A token presented on an open connection. */
    public AuthOutcome verifyToken(String token) {
        try {
            return bans.admit(tokens.verify(token));
        } catch (TokenVerifier.Rejected e) {
            counters.authFailed();
            return AuthError.unauthorized("invalid token: " + e.getMessage());
        }
    }

    private AuthOutcome credential(String value) {
        byte[] h = sha256(value);
        Identity key = null;
        for (int i = 0; i < keyHashes.size(); i++) {
            if (MessageDigest.isEqual(keyHashes.get(i), h) && key == null) {
                key = keyIdentities.get(i);
            }
        }
        if (key != null) {
            return key;
        }
        if (config.issuers().isEmpty()) {
            counters.authFailed();
            return AuthError.unauthorized("unknown API key");
        }
        return verifyToken(value);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
    }
}
