package io.daytona.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The service's one SHA-256 helper (API key hashes, derived event ids, idempotency keys). */
public final class Hashing {

  private Hashing() {
  }

  /** SHA-256 of the UTF-8 bytes of {@code text}, as 64 lower-case hex digits. */
  public static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("every Java runtime has SHA-256", impossible);
    }
  }
}
