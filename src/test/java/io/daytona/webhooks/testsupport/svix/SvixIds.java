package io.daytona.webhooks.testsupport.svix;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Svix-shaped identifiers, secrets and signatures.
 * <p>Ids are {@code prefix + 27 base62 chars} like Svix's KSUIDs ({@code app_}, {@code ep_}, {@code msg_}, {@code atmpt_}),
 * and, like KSUIDs, they sort by creation order (a sequence number comes first), which the list pagination relies on.
 */
public final class SvixIds {
  private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final AtomicLong SEQ = new AtomicLong(System.currentTimeMillis() * 1000);

  private SvixIds() {
  }

  /** A new id: {@code prefix} followed by 27 base62 characters, increasing with each call. */
  public static String newId(String prefix) {
    long seq = SEQ.incrementAndGet();
    StringBuilder sb = new StringBuilder(27);
    char[] head = new char[11];
    for (int i = 10; i >= 0; i--) {
      head[i] = BASE62.charAt((int) (seq % 62));
      seq /= 62;
    }
    sb.append(head);
    for (int i = 0; i < 16; i++) {
      sb.append(BASE62.charAt(RANDOM.nextInt(62)));
    }
    return prefix + sb;
  }

  /** A new endpoint secret the way Svix makes them: {@code whsec_} + base64 of 24 random bytes. */
  public static String newSecret() {
    byte[] key = new byte[24];
    RANDOM.nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  /**
   * The {@code svix-signature} header value: {@code v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">}, keyed with
   * the base64-decoded part of the secret after {@code whsec_}.
   */
  public static String sign(String secret, String msgId, long timestampSeconds, String body) {
    String b64 = secret.startsWith("whsec_") ? secret.substring("whsec_".length()) : secret;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(Base64.getDecoder().decode(b64), "HmacSHA256"));
      byte[] sig = mac.doFinal((msgId + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(sig);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
