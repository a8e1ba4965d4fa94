package io.daytona.webhooks.auth;

import io.daytona.webhooks.ServiceContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.pubsub.PgSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens for credential changes ({@code LISTEN webhooks_credentials_changed}: the triggers of
 * {@code api_keys} and {@code portal_tokens} announce every revocation, rescoping or deletion, on commit, with
 * the credential's hash) and drops them from this node's {@link CredentialCache}s at once. The caches are
 * trusted only while this connection listens: when it is lost they are bypassed (every check goes to the
 * database) until it listens again, one second later at the earliest.
 */
public final class CredentialChangesVerticle extends VerticleBase {

  public static final String CHANNEL = "webhooks_credentials_changed";
  private static final Logger LOG = LoggerFactory.getLogger(CredentialChangesVerticle.class);
  private static final long RECONNECT_MS = 1_000;

  private final ServiceContext ctx;
  private PgSubscriber subscriber;
  private boolean stopped;
  private boolean lostLogged;
  private boolean retrying;
  private final Promise<Void> firstListen = Promise.promise();

  public CredentialChangesVerticle(ServiceContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    // ready once listening; the service starts even when this first attempt fails (the caches stay bypassed
    // until an attempt succeeds)
    listen().onFailure(err -> firstListen.tryComplete());
    return firstListen.future();
  }

  private Future<Void> listen() {
    Authenticator authenticator = ctx.authenticator();
    PgSubscriber s = PgSubscriber.subscriber(vertx, ctx.database().connectOptions());
    subscriber = s;
    s.channel(CHANNEL)
      .handler(hash -> authenticator.credentialChanged(hash))
      .subscribeHandler(v -> {
        if (s != subscriber) {
          return;
        }
        authenticator.trustCaches(true);
        firstListen.tryComplete();
        if (lostLogged) {
          LOG.info("Listening for credential changes again: credential checks are cached again");
          lostLogged = false;
        }
      });
    s.closeHandler(v -> {
      if (s != subscriber) {
        return; // a subscriber replaced after a failed attempt
      }
      authenticator.trustCaches(false);
      if (!stopped) {
        if (!lostLogged) {
          LOG.warn("Lost the database connection that announces credential changes: every credential check goes "
            + "to the database until it is back");
          lostLogged = true;
        }
        retryLater();
      }
    });
    return s.connect().onFailure(err -> {
      if (!lostLogged) {
        LOG.warn("Cannot listen for credential changes ({}): every credential check goes to the database until "
          + "it can", err.getMessage());
        lostLogged = true;
      }
      retryLater();
    });
  }

  private void retryLater() {
    if (stopped || retrying) {
      return;
    }
    retrying = true;
    vertx.setTimer(RECONNECT_MS, t -> {
      retrying = false;
      if (!stopped) {
        PgSubscriber old = subscriber;
        listen();
        old.close();
      }
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    ctx.authenticator().trustCaches(false);
    return subscriber == null ? Future.succeededFuture() : subscriber.close();
  }
}
