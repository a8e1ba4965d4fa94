package io.daytona.webhooks.portal;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.auth.PortalTokens;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiReply;
import io.daytona.webhooks.bus.ApiRequest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * {@code POST /organizations/{id}/portal-access}: mints a portal token ({@link PortalTokens}) and answers the
 * customer-portal link that carries it in its fragment, with the provider's own portal link when it has one.
 * Expired tokens are pruned here every hour. {@code GET /whoami} tells the portal page which organization its
 * token is for.
 */
public final class PortalAccessVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PortalAccessVerticle.class);
  /** The page the link opens. */
  public static final String PORTAL_PATH = "/portal";

  private final ServiceContext ctx;
  private PortalTokens tokens;
  private long pruneTimer;

  public PortalAccessVerticle(ServiceContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    tokens = new PortalTokens(ctx.database().pool());
    pruneTimer = vertx.setPeriodic(60_000, Duration.ofHours(1).toMillis(), t -> tokens.pruneExpired()
      .onFailure(err -> LOG.warn("Could not prune expired portal tokens: {}", err.getMessage())));
    return Future.all(ApiConsumer.register(vertx, "createPortalAccess", this::create),
      ApiConsumer.register(vertx, "getWhoAmI", this::whoAmI));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(pruneTimer);
    return Future.succeededFuture();
  }

  /**
   * {@code GET /whoami}: who the credentials are. The portal's link carries only the (opaque) token, so the
   * page asks this first to learn the one organization the token is for.
   */
  private Future<JsonObject> whoAmI(ApiRequest req) {
    JsonObject p = req.principal() == null ? new JsonObject() : req.principal();
    return Future.succeededFuture(ApiReply.ok(new JsonObject()
      .put("subject", p.getString("subject"))
      .put("admin", p.getBoolean("admin", false))
      .put("portal", p.getBoolean("portal", false))
      .put("organizations", req.principalOrganizations())));
  }

  private Future<JsonObject> create(ApiRequest req) {
    String org = req.organizationId();
    JsonObject body = req.body();
    long seconds = body == null ? PortalTokens.DEFAULT_LIFETIME.toSeconds()
      : body.getLong("expiresIn", PortalTokens.DEFAULT_LIFETIME.toSeconds());
    // the provider's own portal is a bonus: the token does not wait for, nor fail with, it
    Future<String> providerLink = ctx.provider().portalLink(org).otherwise(err -> {
      LOG.info("No provider portal link for {}: {}", org, err.getMessage());
      return null;
    });
    return tokens.mint(org, Duration.ofSeconds(seconds), req.subject())
      .compose(minted -> providerLink.map(link -> ApiReply.ok(new JsonObject()
        .put("url", req.baseUrl() + PORTAL_PATH + "#token=" + minted.token())
        .put("token", minted.token())
        .put("expiresAt", minted.expiresAt().toString())
        .put("svixAppPortalUrl", link))));
  }
}
