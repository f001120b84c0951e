package dev.ferry.server.session;

import dev.ferry.server.auth.Identity;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issues and checks session tokens: {@code <id>.<mac>}, both base64url without padding, where {@code id} is 128
 * random bits from {@link SecureRandom} and {@code mac} is HMAC-SHA256 under the server's session secret of the id
 * and the principal that created the session. A token therefore only verifies for its own principal: a forged,
 * altered or stolen-by-another-identity token fails the same way. Thread-safe.
 */
public final class SessionTokens {
    private static final String ALGORITHM = "HmacSHA256";
    private static final int ID_BYTES = 16;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();
    /**
     * One Mac per thread, initialised with {@link #key} when the thread first signs or checks a token, instead of one
     * looked up and initialised per token. Per instance, as the key is.
     */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    /** Tokens signed with {@code secret}, or with 256 random bits when {@code secret} is null. */
    public SessionTokens(String secret) {
        byte[] k;
        if (secret == null) {
            k = new byte[32];
            random.nextBytes(k);
        } else {
            k = secret.getBytes(StandardCharsets.UTF_8);
        }
        this.key = new SecretKeySpec(k, ALGORITHM);
    }

    /** A new session id with its token, bound to {@code principal}. */
    public Issued issue(String principal) {
        return issue(newId(), principal);
    }

    /** 128 random bits: the raw form of a session id, before {@link #issue(byte[], String)} spells it. */
    public byte[] newId() {
        byte[] raw = new byte[ID_BYTES];
        random.nextBytes(raw);
        return raw;
    }

    /** The id and token of the session id {@code raw} (from {@link #newId}), bound to {@code principal}. */
    public Issued issue(byte[] raw, String principal) {
        String id = B64.encodeToString(raw);
        return new Issued(id, id + "." + B64.encodeToString(mac(id, principal)));
    }

    public record Issued(String id, String token) {
        @Override
        public String toString() {
            return "Issued[id=" + id + ", token=***]";
        }
    }

    /** The session id of {@code token} when it is well formed and signed for {@code principal}; otherwise null. */
    public String verify(String token, String principal) {
        if (token == null || token.length() > 200) {
            return null;
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.')) {
            return null;
        }
        String id = token.substring(0, dot);
        byte[] given;
        try {
            byte[] rawId = B64D.decode(id);
            String mac = token.substring(dot + 1);
            given = B64D.decode(mac);
            // canonical encodings only: the decoder ignores the unused low bits of a last character, so without
            // this check several spellings of one token would verify
            if (rawId.length != ID_BYTES || !B64.encodeToString(rawId).equals(id) || !B64.encodeToString(given).equals(mac)) {
                return null;
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return MessageDigest.isEqual(given, mac(id, principal)) ? id : null;
    }

    private byte[] mac(String id, String principal) {
        byte[] input = ("ferry-session-v1\n" + id + "\n" + principal).getBytes(StandardCharsets.UTF_8);
        Mac m = macs.get();
        m.reset(); // doFinal resets it too; this covers a use that failed half-way
        return m.doFinal(input);
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance(ALGORITHM);
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** The principal a session is bound to: the identity's kind, issuer and subject (or API key name; or the certificate's issuer and subject). */
    public static String principal(Identity identity) {
        return switch (identity.kind()) {
            case ANONYMOUS -> "anonymous";
            case TOKEN -> "token\n" + identity.issuer() + "\n" + identity.name();
            case API_KEY -> "key\n" + identity.name();
            case CERTIFICATE -> "cert\n" + identity.issuer() + "\n" + identity.name();
        };
    }
}
