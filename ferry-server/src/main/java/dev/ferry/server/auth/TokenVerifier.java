package dev.ferry.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.ferry.server.config.AuthConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Verifies a JWT: signed with an accepted algorithm (HS256/384/512, RS256, ES256, EdDSA; never {@code none}) by a
 * key of the issuer its {@code iss} names, selected by that issuer and the token's {@code kid}; {@code exp}
 * present and not past, {@code nbf} not ahead (both with {@code auth.clock-skew}), {@code aud} among the issuer's
 * audience when one is configured, {@code sub} present. Thread-safe.
 */
final class TokenVerifier {
    static final Set<JWSAlgorithm> ACCEPTED = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512,
            JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
    /** Longest token accepted; a real one is well under 4 KiB. */
    static final int MAX_TOKEN_CHARS = 16 * 1024;

    /** Why a token was refused; the message is safe to show the client. */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String message) {
            super(message, null, false, false);
        }
    }

    private final AuthConfig config;
    private final Map<String, IssuerKeys> issuers;
    private final Clock clock;
    private final Consumer<IssuerKeys> refreshSoon;

    TokenVerifier(AuthConfig config, Map<String, IssuerKeys> issuers, Clock clock, Consumer<IssuerKeys> refreshSoon) {
        this.config = config;
        this.issuers = Map.copyOf(issuers);
        this.clock = clock;
        this.refreshSoon = refreshSoon;
    }

    Identity verify(String token) throws Rejected {
        if (token == null || token.isEmpty()) {
            throw new Rejected("empty token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new Rejected("token longer than " + MAX_TOKEN_CHARS + " characters");
        }
        JWT parsed;
        try {
            parsed = JWTParser.parse(token);
        } catch (java.text.ParseException | RuntimeException e) {
            throw new Rejected("malformed token: " + sanitize(e.getMessage()));
        }
        if (parsed instanceof PlainJWT) {
            throw new Rejected("unsigned token (alg none) refused");
        }
        if (!(parsed instanceof SignedJWT jwt)) {
            throw new Rejected("encrypted tokens are not accepted (expected: a signed JWT)");
        }
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!ACCEPTED.contains(alg)) {
            throw new Rejected("algorithm " + sanitize(alg.getName()) + " is not accepted (expected: HS256, HS384, HS512, RS256, ES256 or EdDSA)");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (java.text.ParseException | RuntimeException e) {
            throw new Rejected("malformed token claims: " + sanitize(e.getMessage()));
        }
        String iss = claims.getIssuer();
        IssuerKeys keys = iss == null ? null : issuers.get(iss);
        if (keys == null) {
            throw new Rejected(iss == null ? "token has no iss" : "unknown issuer \"" + sanitize(iss) + "\"");
        }
        String kid = jwt.getHeader().getKeyID();
        if (!keys.knowsKid(kid) && keys.mayRefreshEarly()) {
            refreshSoon.accept(keys);
        }
        List<JWK> candidates = keys.candidates(alg, kid);
        if (candidates.isEmpty()) {
            throw new Rejected("no key of issuer \"" + sanitize(iss) + "\" fits kid " + (kid == null ? "(none)" : "\"" + sanitize(kid) + "\"")
                    + " and algorithm " + alg.getName());
        }
        boolean verified = false;
        for (JWK k : candidates) {
            try {
                if (jwt.verify(verifier(k))) {
                    verified = true;
                    break;
                }
            } catch (JOSEException | RuntimeException e) {
                // a key that cannot check this token (e.g. a secret too short for HS512) does not verify it
            }
        }
        if (!verified) {
            throw new Rejected("bad signature");
        }
        Instant now = clock.instant();
        long skew = config.clockSkew().toMillis();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new Rejected("token has no exp (expected: tokens that expire)");
        }
        if (now.toEpochMilli() > exp.getTime() + skew) {
            throw new Rejected("token expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.toEpochMilli() + skew < nbf.getTime()) {
            throw new Rejected("token not valid before " + nbf.toInstant());
        }
        List<String> audience = keys.config().audience();
        if (!audience.isEmpty()) {
            List<String> aud = claims.getAudience();
            if (aud == null || aud.stream().noneMatch(audience::contains)) {
                throw new Rejected("wrong audience (expected one of " + audience + ")");
            }
        }
        String sub = claims.getSubject();
        if (sub == null || sub.isEmpty()) {
            throw new Rejected("token has no sub");
        }
        Grants grants = null;
        Object g = claims.getClaim(config.grantsClaim());
        if (g != null) {
            try {
                grants = Grants.fromClaim(g);
            } catch (IllegalArgumentException e) {
                throw new Rejected(sanitize(e.getMessage()));
            }
        }
        Map<String, Object> all = new HashMap<>(claims.getClaims());
        return new Identity(Identity.Kind.TOKEN, sub, iss, java.util.Collections.unmodifiableMap(all),
                Instant.ofEpochMilli(exp.getTime() + skew), grants);
    }

    private static JWSVerifier verifier(JWK k) throws JOSEException {
        if (k instanceof OctetSequenceKey o) {
            return new MACVerifier(o);
        }
        if (k instanceof RSAKey r) {
            return new RSASSAVerifier(r);
        }
        if (k instanceof ECKey e) {
            return new ECDSAVerifier(e);
        }
        if (k instanceof OctetKeyPair o) {
            return new Ed25519JdkVerifier(o);
        }
        throw new JOSEException("unsupported key type " + k.getKeyType());
    }

    /** A message fragment that may contain client input: bounded and without control characters. */
    static String sanitize(String s) {
        if (s == null) {
            return "unreadable";
        }
        String p = PermissionRule.printable(s);
        return p.length() > 200 ? p.substring(0, 200) + "..." : p;
    }
}
