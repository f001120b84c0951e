package dev.ferry.server.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * The identity of a client that presented a verified TLS certificate (docs/security.md, "Client certificates"): the
 * subject's attributes ({@code CN}, {@code O}, ...) and the subject alternative names ({@code DNS}, {@code URI},
 * {@code EMAIL}, {@code IP}) become the identity's attributes, which {@code cert:<attr>=<value>} rules match and
 * {@code {CN}}-style placeholders fill. Stateless.
 */
public final class CertificatePrincipal {
    /** Subject attributes, by the keyword a rule names them with. */
    static final Set<String> SUBJECT_ATTRIBUTES = Set.of("CN", "O", "OU", "C", "L", "ST", "STREET", "DC", "UID",
            "SERIALNUMBER", "EMAILADDRESS");
    /** Subject alternative names, by the keyword a rule names them with; tag numbers from RFC 5280 §4.2.1.6. */
    static final Map<Integer, String> SAN_TYPES = Map.of(1, "EMAIL", 2, "DNS", 6, "URI", 7, "IP");
    /** Keywords for the attributes RFC 2253 output gives as OIDs. */
    private static final Map<String, String> OID_KEYWORDS = Map.of(
            "1.2.840.113549.1.9.1", "EMAILADDRESS", "2.5.4.5", "SERIALNUMBER");

    private CertificatePrincipal() {
    }

    /** Every attribute name a {@code cert:} rule may name, for messages. */
    static String attributeNames() {
        return "CN, O, OU, C, L, ST, STREET, DC, UID, SERIALNUMBER, EMAILADDRESS, DNS, URI, EMAIL, IP";
    }

    /** Whether {@code name} (upper case) is a subject attribute or a SAN type. */
    static boolean knownAttribute(String name) {
        return SUBJECT_ATTRIBUTES.contains(name) || SAN_TYPES.containsValue(name);
    }

    /**
     * The identity of {@code cert}, the leaf a TLS handshake verified: named by its subject (RFC 4514 form, e.g.
     * {@code CN=device-7,O=Acme}), or by its first subject alternative name ({@code URI:spiffe://...}) when the subject
     * is empty; issued by the issuer's name; expiring when the certificate does.
     */
    public static Identity identity(X509Certificate cert) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        X500Principal subject = cert.getSubjectX500Principal();
        String dn = subject.getName(X500Principal.RFC2253, OID_KEYWORDS);
        try {
            List<Rdn> rdns = new LdapName(dn).getRdns(); // most significant first: the reverse of the name's text
            for (int i = rdns.size() - 1; i >= 0; i--) {
                Rdn rdn = rdns.get(i);
                for (NamingEnumeration<? extends Attribute> e = rdn.toAttributes().getAll(); e.hasMoreElements(); ) {
                    Attribute a = e.nextElement();
                    String type = a.getID().toUpperCase(Locale.ROOT);
                    Object v = a.get();
                    if (SUBJECT_ATTRIBUTES.contains(type) && v instanceof String s) {
                        add(attributes, type, s);
                    }
                }
            }
        } catch (NamingException e) {
            // A name the JDK printed but cannot parse back: the identity keeps its name, without attributes.
        }
        String firstSan = null;
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    String type = SAN_TYPES.get((Integer) san.get(0));
                    if (type != null && san.get(1) instanceof String v) {
                        String value = normalize(type, v);
                        add(attributes, type, value);
                        firstSan = firstSan == null ? type + ":" + value : firstSan;
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // An undecodable extension names nothing: the subject alone identifies the client.
        }
        attributes.replaceAll((k, v) -> v instanceof List<?> l ? List.copyOf(l) : v);
        String name = dn.isEmpty() && firstSan != null ? firstSan : dn;
        return new Identity(Identity.Kind.CERTIFICATE, name, cert.getIssuerX500Principal().getName(X500Principal.RFC2253,
                OID_KEYWORDS), Collections.unmodifiableMap(attributes), cert.getNotAfter().toInstant(), null);
    }

    /**
     * A value as certificates and rules are compared: DNS names and e-mail addresses in lower case (their case does
     * not matter), IP addresses in the JDK's text form ({@code ::1} and {@code 0:0:0:0:0:0:0:1} are one address).
     */
    static String normalize(String type, String value) {
        switch (type) {
            case "DNS", "EMAIL":
                return value.toLowerCase(Locale.ROOT);
            case "IP":
                if (value.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                    try {
                        return InetAddress.getByName(value).getHostAddress(); // a literal: no lookup
                    } catch (UnknownHostException e) {
                        return value;
                    }
                }
                return value;
            default:
                return value;
        }
    }

    /** One value of an attribute: a string; several (two {@code OU}s, three DNS names): a list. */
    private static void add(Map<String, Object> attributes, String type, String value) {
        Object old = attributes.get(type);
        if (old == null) {
            attributes.put(type, value);
        } else if (old instanceof List<?> l) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) l;
            list.add(value);
        } else {
            List<Object> list = new ArrayList<>();
            list.add(old);
            list.add(value);
            attributes.put(type, list);
        }
    }
}
