package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A client certificate as an identity, and the {@code cert:} rules that match it (docs/security.md). */
class CertificatePrincipalTest {
    private static X509Bundle ca() throws Exception {
        return new CertificateBuilder().subject("CN=CA,O=Test").ecp256().setIsCertificateAuthority(true).buildSelfSigned();
    }

    @Test
    void subjectAttributesAndSansBecomeTheIdentitysAttributes() throws Exception {
        X509Bundle ca = ca();
        X509Bundle c = new CertificateBuilder().subject("CN=gw-3,OU=edge,OU=eu,O=Acme\\, Inc.,C=FR")
                .addSanDnsName("GW-3.Example.com").addSanDnsName("gw.example.com").addSanIpAddress("::1")
                .addSanUriName("spiffe://example.org/gw/3").addSanRfc822Name("Ops@Example.com")
                .ecp256().buildIssuedBy(ca);
        Identity id = CertificatePrincipal.identity(c.getCertificate());
        assertThat(id.kind()).isEqualTo(Identity.Kind.CERTIFICATE);
        assertThat(id.name()).isEqualTo("CN=gw-3,OU=edge,OU=eu,O=Acme\\, Inc.,C=FR");
        assertThat(id.issuer()).isEqualTo("CN=CA,O=Test");
        assertThat(id.expiresAt()).isEqualTo(c.getCertificate().getNotAfter().toInstant());
        assertThat(id.claims()).containsEntry("CN", "gw-3").containsEntry("O", "Acme, Inc.").containsEntry("C", "FR")
                .containsEntry("DNS", List.of("gw-3.example.com", "gw.example.com"))
                .containsEntry("IP", "0:0:0:0:0:0:0:1").containsEntry("URI", "spiffe://example.org/gw/3")
                .containsEntry("EMAIL", "ops@example.com");
        assertThat(id.claims().get("OU")).isEqualTo(List.of("edge", "eu"));
        assertThat(id.describe()).isEqualTo("certificate \"CN=gw-3,OU=edge,OU=eu,O=Acme\\, Inc.,C=FR\"");

        assertThat(matches("cert:CN=gw-3", id)).isTrue();
        assertThat(matches("cert:cn=gw-3", id)).as("attribute names in any case").isTrue();
        assertThat(matches("cert:O=Acme, Inc.", id)).as("the value runs to the end of the rule").isTrue();
        assertThat(matches("cert:OU=eu", id)).isTrue();
        assertThat(matches("cert:DNS=gw.EXAMPLE.com", id)).as("DNS names compare without case").isTrue();
        assertThat(matches("cert:IP=::1", id)).isTrue();
        assertThat(matches("cert:URI=spiffe://example.org/gw/3", id)).isTrue();
        assertThat(matches("cert:EMAIL=ops@example.com", id)).isTrue();
        assertThat(matches("cert:*", id)).isTrue();
        assertThat(matches("cert:CN=gw-4", id)).isFalse();
        assertThat(matches("cert:OU=edge,OU=eu", id)).isFalse();
        assertThat(matches("claim:CN=gw-3", id)).as("claim: rules are for tokens").isFalse();
        assertThat(matches("authenticated", id)).as("authenticated means a verified token").isFalse();
    }

    @Test
    void placeholdersTakeSingleValuedAttributesOnly() throws Exception {
        X509Bundle c = new CertificateBuilder().subject("CN=dev-9,OU=a,OU=b").ecp256().buildIssuedBy(ca());
        Identity id = CertificatePrincipal.identity(c.getCertificate());
        assertThat(PermissionRule.parseRule("all devices.{CN}.# cert:*").patternFor(id)).containsExactly("devices", "dev-9", "#");
        assertThat(PermissionRule.parseRule("all devices.{OU}.# cert:*").patternFor(id)).as("two OUs fill no word").isNull();
        X509Bundle dotted = new CertificateBuilder().subject("CN=a.b").ecp256().buildIssuedBy(ca());
        assertThat(PermissionRule.parseRule("all devices.{CN}.# cert:*")
                .patternFor(CertificatePrincipal.identity(dotted.getCertificate()))).as("no extra words").isNull();
    }

    @Test
    void aCertificateWithAnEmptySubjectIsNamedByItsFirstSan() throws Exception {
        X509Bundle c = new CertificateBuilder().subject("").addSanUriName("spiffe://example.org/job/7").ecp256()
                .buildIssuedBy(ca());
        Identity id = CertificatePrincipal.identity(c.getCertificate());
        assertThat(id.name()).isEqualTo("URI:spiffe://example.org/job/7");
        assertThat(matches("cert:URI=spiffe://example.org/job/7", id)).isTrue();
    }

    @Test
    void badCertRulesNameWhatIsExpected() {
        assertThatThrownBy(() -> PermissionRule.parseRule("all a.# cert:XX=1"))
                .hasMessageContaining("(expected: cert:* or cert:<attr>=<value> with attr one of CN, O, OU");
        assertThatThrownBy(() -> PermissionRule.parseRule("all a.# cert:CN=")).hasMessageContaining("cert:<attr>=<value>");
        assertThatThrownBy(() -> PermissionRule.parseRule("all a.# cert:")).hasMessageContaining("cert:<attr>=<value>");
        assertThatThrownBy(() -> PermissionRule.parseRule("all a.# everyone else")).hasMessageContaining("who \"everyone else\"");
    }

    private static boolean matches(String who, Identity id) {
        return PermissionRule.parseRule("all x " + who).who().matches(id);
    }
}
