package io.cairn.ycsb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import site.ycsb.DBException;

class YcsbTransportTest {

  private static Properties props(String... pairs) {
    Properties p = new Properties();
    for (int i = 0; i < pairs.length; i += 2) {
      p.setProperty(pairs[i], pairs[i + 1]);
    }
    return p;
  }

  @Test
  void plaintextUnlessACaIsGiven() {
    assertThat(YcsbTransport.from(props())).isNotNull();
  }

  @Test
  void aUserOrCertificateWithoutACaIsRefusedRatherThanSentInClear() {
    assertThatThrownBy(() -> YcsbTransport.from(props("cairn.user", "bob", "cairn.password", "pw")))
        .hasMessageContaining("need cairn.tls-ca");
    assertThatThrownBy(() -> YcsbTransport.from(props("cairn.tls-cert", "c.pem")))
        .hasMessageContaining("need cairn.tls-ca");
  }

  @Test
  void incompleteTlsSettingsSayWhatIsMissing() {
    assertThatThrownBy(
            () -> YcsbTransport.from(props("cairn.tls-ca", "ca.pem", "cairn.tls-cert", "c.pem")))
        .hasMessageContaining("cairn.tls-cert and cairn.tls-key go together");
    assertThatThrownBy(() -> YcsbTransport.from(props("cairn.tls-ca", "/nonexistent/ca.pem")))
        .hasMessageContaining("/nonexistent/ca.pem");
  }

  @Test
  void theBindingReportsABadTransportAsABadProperty() {
    CairnYcsbClient db = new CairnYcsbClient();
    db.setProperties(props("cairn.user", "bob", "cairn.password", "pw"));
    assertThatThrownBy(db::init)
        .isInstanceOf(DBException.class)
        .hasMessageContaining("bad property")
        .hasMessageContaining("cairn.tls-ca");
  }
}
