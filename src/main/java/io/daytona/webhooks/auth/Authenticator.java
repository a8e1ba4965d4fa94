package io.daytona.webhooks.auth;

import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.config.ServiceConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns credentials into a {@link Principal}: bearer JWTs (HS256 with {@code JWT_SECRET}, RS256
 * with {@code JWT_PUBLIC_KEY}; issuer and audience enforced when configured) and API keys
 * ({@code Authorization: Bearer whk_…} or {@code X-API-Key}). A JWT must carry {@code exp}; one whose
 * {@code nbf} lies ahead is refused. Every failure is a 401. API keys and portal tokens are looked up at most once
 * a minute per credential on each node ({@link CredentialCache}), revocations heard at once
 * ({@link CredentialChangesVerticle}).
 */
public final class Authenticator {

  /** Clock skew allowed on {@code exp} and {@code nbf}. */
  private static final int LEEWAY_SECONDS = 5;

  private final JWTAuth jwt;
  private final ApiKeys apiKeys;
  private final PortalTokens portalTokens;
  private final CredentialCache<Principal> keyCache = new CredentialCache<>();
  private final CredentialCache<PortalTokens.Found> portalTokenCache = new CredentialCache<>();
  private final Counter keyLookups;
  private final Counter portalTokenLookups;

  public Authenticator(Vertx vertx, ServiceConfig config, ApiKeys apiKeys, PortalTokens portalTokens,
                       MeterRegistry meters) {
    this.apiKeys = apiKeys;
    this.portalTokens = portalTokens;
    this.keyLookups = lookups(meters, "api-key");
    this.portalTokenLookups = lookups(meters, "portal-token");
    if (config.developmentAuth()) {
      this.jwt = null;
      return;
    }
    JWTOptions jwtOptions = new JWTOptions().setLeeway(LEEWAY_SECONDS);
    if (config.jwtIssuer != null) {
      jwtOptions.setIssuer(config.jwtIssuer);
    }
    if (config.jwtAudience != null) {
      jwtOptions.setAudience(List.of(config.jwtAudience));
    }
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(jwtOptions);
    if (config.jwtSecret != null) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.jwtSecret));
    }
    if (config.jwtPublicKeyPem != null) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(config.jwtPublicKeyPem));
    }
    this.jwt = JWTAuth.create(vertx, options);
  }

  /**
   * @param authorization the {@code Authorization} header (or the same value from a bridge message)
   * @param apiKeyHeader  the {@code X-API-Key} header
   */
  public Future<Principal> authenticate(String authorization, String apiKeyHeader) {
    String token = null;
    if (authorization != null && !authorization.isBlank()) {
      String a = authorization.trim();
      if (a.regionMatches(true, 0, "Bearer ", 0, 7)) {
        token = a.substring(7).trim();
      } else {
        return unauthorized("The Authorization header must be 'Bearer <JWT or API key>'.");
      }
    } else if (apiKeyHeader != null && !apiKeyHeader.isBlank()) {
      token = apiKeyHeader.trim();
      if (!ApiKeys.looksLikeKey(token)) {
        return unauthorized("The X-API-Key header does not hold an API key.");
      }
    }
    if (token == null || token.isEmpty()) {
      return unauthorized("Credentials are required: 'Authorization: Bearer <JWT or API key>' or 'X-API-Key'.");
    }
    if (ApiKeys.looksLikeKey(token)) {
      String key = token;
      return keyCache.get(ApiKeys.hash(token), () -> {
          keyLookups.increment();
          return apiKeys.find(key);
        })
        .recover(err -> Future.failedFuture(new ApiError(503, "Credentials cannot be checked right now.")))
        .compose(p -> p != null ? Future.succeededFuture(p) : unauthorized("Unknown or revoked API key."));
    }
    if (PortalTokens.looksLikeToken(token)) {
      String portalToken = token;
      return portalTokenCache.get(ApiKeys.hash(token), () -> {
          portalTokenLookups.increment();
          return portalTokens.find(portalToken);
        })
        .recover(err -> Future.failedFuture(new ApiError(503, "Credentials cannot be checked right now.")))
        .compose(found -> found == null ? unauthorized("Unknown portal token.")
          : found.expired() ? unauthorized("The portal token has expired: ask for a new portal link.")
          : Future.succeededFuture(found.principal()));
    }
    if (jwt == null) {
      return unauthorized("JWTs are not accepted: no JWT_SECRET or JWT_PUBLIC_KEY is configured.");
    }
    return jwt.authenticate(new TokenCredentials(token))
      .recover(err -> unauthorized("Invalid bearer token."))
      .compose(user -> {
        JsonObject claims = user.principal();
        // the JWT library checks exp and nbf only when present: a token without exp would never expire
        JsonObject payload = user.attributes().getJsonObject("accessToken", claims);
        if (!(payload.getValue("exp") instanceof Number)) {
          return unauthorized("The token has no 'exp' claim: tokens must expire.");
        }
        Object nbf = payload.getValue("nbf");
        if (nbf != null && (!(nbf instanceof Number n)
          || n.longValue() > System.currentTimeMillis() / 1000 + LEEWAY_SECONDS)) {
          return unauthorized("The token is not valid yet ('nbf' lies ahead).");
        }
        String sub = claims.getValue("sub") instanceof String s ? s : null;
        if (sub == null || sub.isBlank()) {
          return unauthorized("The token has no 'sub' claim.");
        }
        Set<String> orgs = strings(claims.getValue("organizations"));
        Set<String> roles = strings(claims.getValue("roles"));
        if (orgs == null || roles == null) {
          return unauthorized("The 'organizations' and 'roles' claims must be arrays of strings.");
        }
        return Future.succeededFuture(new Principal(sub, roles.contains("admin"), Set.copyOf(orgs)));
      });
  }

  private static Counter lookups(MeterRegistry meters, String kind) {
    Counter.Builder builder = Counter.builder("webhooks.auth.lookups").tag("kind", kind)
      .description("Credential look-ups in the database (at most one per credential per minute on each node)");
    return meters == null ? builder.register(new SimpleMeterRegistry()) : builder.register(meters);
  }

  /** A credential was revoked, rescoped or deleted ({@link CredentialChangesVerticle}): its next check is fresh. */
  public void credentialChanged(String hash) {
    keyCache.evict(hash);
    portalTokenCache.evict(hash);
  }

  /** Whether this node hears of every credential change, so that credential look-ups may be kept for a minute. */
  public void trustCaches(boolean trust) {
    keyCache.trust(trust);
    portalTokenCache.trust(trust);
  }

  private static Set<String> strings(Object claim) {
    if (claim == null) {
      return Set.of();
    }
    if (!(claim instanceof JsonArray array)) {
      return null;
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object o : array) {
      if (!(o instanceof String s)) {
        return null;
      }
      out.add(s);
    }
    return out;
  }

  private static <T> Future<T> unauthorized(String detail) {
    return Future.failedFuture(new ApiError(401, detail));
  }
}
