package io.daytona.webhooks.testsupport;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.List;

/** Mints bearer JWTs for tests, signed like an identity provider would. */
public final class TestTokens {

  /** The HS256 secret {@link TestService} configures by default. */
  public static final String SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";

  private TestTokens() {
  }

  /** How long the tokens minted here are valid, unless the claims or options say otherwise. */
  public static final int EXPIRES_IN_SECONDS = 3600;

  /** Signs {@code claims}; they get an {@code exp} (the service refuses tokens without one) unless they carry one. */
  public static String hs256(Vertx vertx, String secret, JsonObject claims, JWTOptions options) {
    if (!claims.containsKey("exp") && options.getExpiresInSeconds() == 0) {
      options.setExpiresInSeconds(EXPIRES_IN_SECONDS);
    }
    return hs256Exactly(vertx, secret, claims, options);
  }

  /** Signs exactly {@code claims} and {@code options} (e.g. a token without {@code exp}). */
  public static String hs256Exactly(Vertx vertx, String secret, JsonObject claims, JWTOptions options) {
    JWTAuth auth = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    return auth.generateToken(claims, options.setAlgorithm("HS256"));
  }

  /** A token for {@code sub} managing {@code organizations}. */
  public static String user(Vertx vertx, String sub, String... organizations) {
    return hs256(vertx, SECRET, new JsonObject().put("sub", sub)
      .put("organizations", new JsonArray(List.of(organizations))).put("roles", new JsonArray()), new JWTOptions());
  }

  /** An admin token. */
  public static String admin(Vertx vertx) {
    return hs256(vertx, SECRET, new JsonObject().put("sub", "admin")
      .put("roles", new JsonArray().add("admin")), new JWTOptions());
  }
}
