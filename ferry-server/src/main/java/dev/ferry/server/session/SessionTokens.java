package dev.ferry.server.session;

import dev.ferry.server.auth.Identity;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issues and checks session tokens: {@code <id>.<key>.<mac>}, each base64url without padding, where {@code id} is
 * 128 random bits from {@link SecureRandom}, {@code key} names the session secret that signed the token (48 bits of
 * an HMAC of a fixed label under that secret) and {@code mac} is HMAC-SHA256 under the secret of the id and the
 * principal that created the session. A token of this secret therefore only verifies for its own principal: a
 * forged, altered or stolen-by-another-identity token fails the same way. A well-formed token naming another key
 * was signed by another secret, typically the generated one of a previous run of the server: its session cannot
 * be here, which {@link #otherKey} tells apart from a forgery. Thread-safe.
 */
public final class SessionTokens {
    private static final String ALGORITHM = "HmacSHA256";
    private static final int ID_BYTES = 16;
    private static final int KEY_ID_BYTES = 6;
    private static final int MAC_BYTES = 32;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();
    /**
     * One Mac per thread, initialised with {@link #key} when the thread first signs or checks a token, instead of one
     * looked up and initialised per token. Per instance, as the key is.
     */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);
    /** {@code key} of the tokens this instance signs: the same for the same secret, on every node and run. */
    private final String keyId;

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
        byte[] label = macs.get().doFinal("ferry-session-key-id".getBytes(StandardCharsets.UTF_8));
        this.keyId = B64.encodeToString(Arrays.copyOf(label, KEY_ID_BYTES));
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
        return new Issued(id, id + "." + keyId + "." + B64.encodeToString(mac(id, principal)));
    }

    public record Issued(String id, String token) {
        @Override
        public String toString() {
            return "Issued[id=" + id + ", token=***]";
        }
    }

    /** The session id of {@code token} when it is well formed and signed for {@code principal}; otherwise null. */
    public String verify(String token, String principal) {
        byte[][] parts = parse(token);
        if (parts == null || !keyId.equals(B64.encodeToString(parts[1]))) {
            return null;
        }
        String id = B64.encodeToString(parts[0]);
        return MessageDigest.isEqual(parts[2], mac(id, principal)) ? id : null;
    }

    /**
     * Whether {@code token} is well formed but names another key than this instance's: signed under another
     * session secret (a previous run's generated one, or another node's), so its session is not known here. Its
     * MAC cannot be checked; what it unlocks is only the answer "expired" instead of "refused".
     */
    public boolean otherKey(String token) {
        byte[][] parts = parse(token);
        return parts != null && !keyId.equals(B64.encodeToString(parts[1]));
    }

    /** The id, key id and MAC of a token of canonical form with parts of the right sizes; otherwise null. */
    private static byte[][] parse(String token) {
        if (token == null || token.length() > 200) {
            return null;
        }
        String[] text = token.split("\\.", -1);
        if (text.length != 3) {
            return null;
        }
        byte[][] parts = new byte[3][];
        try {
            for (int i = 0; i < 3; i++) {
                parts[i] = B64D.decode(text[i]);
                // canonical encodings only: the decoder ignores the unused low bits of a last character, so without
                // this check several spellings of one token would verify
                if (!B64.encodeToString(parts[i]).equals(text[i])) {
                    return null;
                }
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return parts[0].length == ID_BYTES && parts[1].length == KEY_ID_BYTES && parts[2].length == MAC_BYTES
                ? parts : null;
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
