package io.daytona.webhooks.testsupport;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.config.ServiceConfig;
import io.vertx.core.Future;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts the real service in this JVM on a random port, on a fresh database of
 * {@link TestDatabase}, with JWT auth ({@link TestTokens#SECRET}) and the Svix provider (not configured
 * unless the overrides give a token) unless the overrides name {@code DELIVERY_PROVIDER}.
 */
public final class TestService {

  private TestService() {
  }

  /** The configuration {@link #start(Map)} would use for these overrides (a fresh database each call). */
  public static Map<String, Object> config(Map<String, ?> overrides) {
    Map<String, Object> values = new HashMap<>();
    values.put("HTTP_HOST", "127.0.0.1");
    values.put("HTTP_PORT", "0");
    values.put("JWT_SECRET", TestTokens.SECRET);
    values.put("DELIVERY_PROVIDER", "svix");
    try {
      values.put("WEBHOOKS_DATA_DIR", Files.createTempDirectory("webhooks-test").toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!overrides.containsKey("DATABASE_URL")) {
      values.put("DATABASE_URL", TestDatabase.freshDatabaseUrl());
    }
    values.putAll(overrides);
    values.values().removeIf(v -> v == null);
    return values;
  }

  public static Future<WebhookService> start(Map<String, ?> overrides) {
    return WebhookService.start(ServiceConfig.from(config(overrides)));
  }

  public static Future<WebhookService> start() {
    return start(Map.of());
  }
}
