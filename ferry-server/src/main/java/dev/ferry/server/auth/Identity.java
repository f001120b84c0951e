package dev.ferry.server.auth;

import io.netty.util.AttributeKey;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Who a client is: anonymous, the subject of a verified token, a named API key, or the subject of a verified TLS
 * client certificate.
 *
 * @param kind how the client authenticated
 * @param name the token's {@code sub}, the API key's name, or the certificate's subject ({@link CertificatePrincipal});
 *     {@code null} when anonymous
 * @param issuer the token's {@code iss}, or the certificate issuer's name; {@code null} otherwise
 * @param claims the token's claims, or the certificate's attributes ({@code CN}, {@code DNS}, ...; empty otherwise);
 *     used by rules and placeholders
 * @param expiresAt when the token or certificate expires; {@code null} when the identity does not expire
 * @param grants for a token, the grants it carries ({@code null} when it carries none); for an API key, its
 *     permissions
 */
public record Identity(Kind kind, String name, String issuer, Map<String, Object> claims, Instant expiresAt,
                       Grants grants) implements AuthOutcome {
    /** Where a transport keeps the identity of a connection between authentication and session start. */
    public static final AttributeKey<Identity> KEY = AttributeKey.valueOf("ferry.identity");
    /**
     * Where the router keeps the identity the connect hook gave (docs/hooks.md) while the opening request goes to
     * its endpoint; authentication of that request answers it instead of reading credentials.
     */
    public static final AttributeKey<Identity> HOOKED = AttributeKey.valueOf("ferry.hooked-identity");
    public static final Identity ANONYMOUS = new Identity(Kind.ANONYMOUS, null, null, Map.of(), null, null);

    public enum Kind { ANONYMOUS, TOKEN, API_KEY, CERTIFICATE }

    public Identity {
        Objects.requireNonNull(kind, "kind");
        claims = claims == null ? Map.of() : claims;
    }

    /** The identity the connect hook gave to the request being routed on {@code channel}, or null. */
    public static Identity hooked(io.netty.channel.Channel channel) {
        return channel.hasAttr(HOOKED) ? channel.attr(HOOKED).get() : null;
    }

    public static Identity apiKey(String name, Grants grants) {
        return new Identity(Kind.API_KEY, name, null, Map.of(), null, grants);
    }

    /** Whether {@code other} is the same principal (same kind, issuer and name), as a token refresh must be. */
    public boolean samePrincipal(Identity other) {
        return kind == other.kind && Objects.equals(name, other.name) && Objects.equals(issuer, other.issuer);
    }

    /**
     * For messages and logs: {@code anonymous}, {@code sub "alice" of issuer "..."}, {@code API key "billing"},
     * {@code certificate "CN=device-7,O=Acme"}.
     */
    public String describe() {
        return switch (kind) {
            case ANONYMOUS -> "anonymous";
            case TOKEN -> "sub \"" + PermissionRule.printable(name) + "\" of issuer \"" + PermissionRule.printable(issuer) + "\"";
            case API_KEY -> "API key \"" + name + "\"";
            case CERTIFICATE -> "certificate \"" + PermissionRule.printable(name) + "\"";
        };
    }
}
