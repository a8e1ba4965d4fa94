package io.daytona.webhooks.endpoints;

import io.daytona.webhooks.bus.ApiError;
import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** SPEC's rotate key rule: {@code whsec_} + base64 of 24 to 64 bytes. */
class SecretRuleTest {

  private static String key(int bytes) {
    return "whsec_" + Base64.getEncoder().encodeToString(new byte[bytes]);
  }

  @Test
  void twentyFourToSixtyFourBytesAreAccepted() {
    assertThat(EndpointsVerticle.checkSecret(key(24))).isNull();
    assertThat(EndpointsVerticle.checkSecret(key(32))).isNull();
    assertThat(EndpointsVerticle.checkSecret(key(64))).isNull();
  }

  @Test
  void anythingElseNamesTheKey() {
    for (String bad : new String[] {key(23), key(65), "whsec_not*base64*at*all*0123456789", key(32).substring(6)}) {
      ApiError e = EndpointsVerticle.checkSecret(bad);
      assertThat(e).as(bad).isNotNull();
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.errors().getJsonObject(0).getString("pointer")).isEqualTo("/key");
    }
  }
}
