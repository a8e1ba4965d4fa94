package io.daytona.webhooks.provider.builtin;

import io.daytona.webhooks.provider.ProviderFailure;

import java.security.SecureRandom;
import java.util.Base64;

/** Ids ({@code ep_…}, {@code msg_…}, {@code atmpt_…}) and endpoint signing secrets ({@code whsec_} + base64 of 24–64 bytes). */
final class Secrets {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  static final String SECRET_PREFIX = "whsec_";

  private Secrets() {
  }

  /** {@code prefix} and 24 random base-62 characters (about 143 bits). */
  static String id(String prefix) {
    StringBuilder out = new StringBuilder(prefix.length() + 24).append(prefix);
    for (int i = 0; i < 24; i++) {
      out.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
    }
    return out.toString();
  }

  static String newSecret() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** {@code key} when it is a valid secret, a generated one when null; INPUT_REJECTED at {@code pointer} otherwise. */
  static String secretOrNew(String key, String pointer) {
    if (key == null) {
      return newSecret();
    }
    if (!key.startsWith(SECRET_PREFIX)) {
      throw ProviderFailure.inputRejected(pointer, "a secret is whsec_ followed by base64 of 24 to 64 bytes");
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(key.substring(SECRET_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw ProviderFailure.inputRejected(pointer, "a secret is whsec_ followed by base64 of 24 to 64 bytes");
    }
    if (bytes.length < 24 || bytes.length > 64) {
      throw ProviderFailure.inputRejected(pointer, "a secret is whsec_ followed by base64 of 24 to 64 bytes, got "
        + bytes.length + " bytes");
    }
    return key;
  }
}
