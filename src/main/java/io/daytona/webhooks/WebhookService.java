package io.daytona.webhooks;

import io.daytona.webhooks.auth.ApiKeys;
import io.daytona.webhooks.auth.CredentialChangesVerticle;
import io.daytona.webhooks.auth.PortalTokens;
import io.daytona.webhooks.auth.Authenticator;
import io.daytona.webhooks.auth.DevelopmentKey;
import io.daytona.webhooks.cluster.Clustering;
import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.delivery.OutboxDispatcher;
import io.daytona.webhooks.delivery.OutboxEventsVerticle;
import io.daytona.webhooks.events.EventCatalogVerticle;
import io.daytona.webhooks.messages.MessagesVerticle;
import io.daytona.webhooks.events.PlatformEventsVerticle;
import io.daytona.webhooks.http.BodyBudget;
import io.daytona.webhooks.http.HttpVerticle;
import io.daytona.webhooks.http.SafeServerMetrics;
import io.daytona.webhooks.initialization.InitializationVerticle;
import io.daytona.webhooks.realtime.RealtimeRoutes;
import io.daytona.webhooks.realtime.RealtimeSessions;
import io.daytona.webhooks.realtime.RealtimeVerticle;
import io.daytona.webhooks.status.StatusVerticle;
import io.daytona.webhooks.endpoints.EndpointsVerticle;
import io.daytona.webhooks.portal.PortalAccessVerticle;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.Providers;
import io.daytona.webhooks.provider.svix.SvixProvider;
import io.daytona.webhooks.realtime.RealtimeDeliveryListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One running instance of the service: its Vert.x (clustered or not), database and verticles.
 * {@link Main} runs one from the command line; tests run several in one JVM.
 */
public final class WebhookService {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookService.class);

  private final Vertx vertx;
  private final ServiceContext context;
  private final Deployed deployed;
  private final String developmentKey;

  /** What {@link #deploy} started: the HTTP verticle (its port) and the dispatcher's deployment (stopped first). */
  private record Deployed(HttpVerticle http, String dispatcher, String providerWork) {
  }

  private WebhookService(Vertx vertx, ServiceContext context, Deployed deployed, String developmentKey) {
    this.vertx = vertx;
    this.context = context;
    this.deployed = deployed;
    this.developmentKey = developmentKey;
  }

  /** Builds Vert.x, opens the database, deploys every verticle; fails if any part cannot start. */
  public static Future<WebhookService> start(ServiceConfig config) {
    config.defaultsChosen().forEach(line -> LOG.info("Default: {}", line));
    String registryName = "webhooks-" + UUID.randomUUID();
    VertxOptions options = new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
      .setEnabled(true)
      .setJvmMetricsEnabled(true)
      .setRegistryName(registryName)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    ClusterManager clusterManager = null;
    Future<Vertx> vertxFuture;
    if (config.cluster) {
      clusterManager = Clustering.clusterManager(config);
      Clustering.configureEventBus(options.getEventBusOptions(), config);
      ClusterManager joined = clusterManager;
      vertxFuture = Vertx.builder().with(options).withMetrics(SafeServerMetrics.factory()).withClusterManager(clusterManager)
        .buildClustered()
        .onSuccess(v -> Clustering.logMembership(joined));
    } else {
      vertxFuture = Future.succeededFuture(Vertx.builder().with(options).withMetrics(SafeServerMetrics.factory()).build());
    }
    ClusterManager cm = clusterManager;
    // Completed outside any Vert.x context: on failure the Vert.x instance is closed before we answer.
    Promise<WebhookService> result = Promise.promise();
    AtomicReference<Database> database = new AtomicReference<>();
    vertxFuture.onFailure(result::fail).onSuccess(vertx -> {
      // the contract is parsed and the Svix SDK's classes loaded while the database opens and migrates
      Future<HttpVerticle.Contract> contract = HttpVerticle.loadContract(vertx);
      Future<Void> svixWarm = config.deliveryProvider == ServiceConfig.Provider.SVIX
        ? SvixProvider.warmUp(vertx, config.svix) : Future.succeededFuture();
      Database.open(vertx, config).compose(db -> svixWarm.map(db))
        .compose(db -> {
          database.set(db);
          LOG.info("Database: {}", db.description());
          MeterRegistry meters = BackendRegistries.getNow(registryName);
          ApiKeys keys = new ApiKeys(db.pool());
          DeliveryProvider provider = Providers.create(vertx, config, db, meters, new RealtimeDeliveryListener(vertx));
          ServiceContext ctx = new ServiceContext(vertx, config, db, keys, new Authenticator(vertx, config, keys, new PortalTokens(db.pool()), meters), meters,
            registryName, provider);
          Future<String> devKey = config.developmentAuth()
            ? DevelopmentKey.ensure(vertx, config.dataDir, keys)
            : DevelopmentKey.revoke(db.pool()).map((String) null);
          return devKey.compose(key -> contract.compose(c -> deploy(ctx, c, cm))
            .map(deployed -> new WebhookService(vertx, ctx, deployed, key)));
        })
        .onSuccess(result::complete)
        .onFailure(err -> vertx.close().toCompletionStage().whenComplete((v, e) -> {
          Database db = database.get();
          if (db != null) {
            db.stopEmbedded();
          }
          result.fail(err);
        }));
    });
    return result.future().onSuccess(service -> {
      if (service.developmentKey != null) {
        LOG.warn("DEVELOPMENT MODE: no JWT_SECRET or JWT_PUBLIC_KEY is set. Admin API key (kept in {}): {}",
          config.dataDir.resolve(DevelopmentKey.FILE), service.developmentKey);
      }
      LOG.info("Webhook service ready on http://{}:{}{} ({} s after the JVM started)", config.httpHost, service.port(),
        HttpVerticle.BASE_PATH, String.format(Locale.ROOT, "%.2f", ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0));
    });
  }

  /** Deploys the verticles, the HTTP one last so that it only answers once every operation has a consumer. */
  private static Future<Deployed> deploy(ServiceContext ctx, HttpVerticle.Contract contract, ClusterManager cm) {
    Vertx vertx = ctx.vertx();
    int httpInstances = ctx.config().httpInstances;
    List<HttpVerticle> http = new CopyOnWriteArrayList<>();
    // one per node, shared by the bridges of every HTTP verticle
    RealtimeSessions sessions = new RealtimeSessions(ctx.config().limits.realtimeMaxSessionsPerOrg());
    long bodyBudget = ctx.config().limits.httpBodyBudgetBytes();
    BodyBudget bodies = bodyBudget > 0 ? new BodyBudget(bodyBudget)
      : BodyBudget.forHeap(Runtime.getRuntime().maxMemory(), HttpVerticle.BODY_LIMIT);
    io.micrometer.core.instrument.Gauge.builder("webhooks.http.bodies.reserved", bodies, BodyBudget::reserved)
      .description("Request body bytes reserved by the requests being read and handled (HTTP_BODY_BUDGET_BYTES)")
      .baseUnit("bytes").register(ctx.meters());
    // first: credential checks are cached only once this node hears of every credential change
    Future<String> credentialChanges = vertx.deployVerticle(new CredentialChangesVerticle(ctx));
    Future<String> dispatcher = vertx.deployVerticle(new OutboxDispatcher(ctx));
    io.vertx.core.Deployable background = ctx.provider().background();
    Future<String> providerWork = background == null ? Future.succeededFuture() : vertx.deployVerticle(background);
    return Future.all(List.of(
        credentialChanges,
        vertx.deployVerticle(new EndpointsVerticle(ctx)),
        vertx.deployVerticle(new PortalAccessVerticle(ctx)),
        vertx.deployVerticle(new MessagesVerticle(ctx)),
        vertx.deployVerticle(new OutboxEventsVerticle(ctx)),
        vertx.deployVerticle(new EventCatalogVerticle(ctx)),
        vertx.deployVerticle(new RealtimeVerticle(ctx)),
        vertx.deployVerticle(new StatusVerticle(ctx, cm)),
        vertx.deployVerticle(new InitializationVerticle(ctx)),
        vertx.deployVerticle(new PlatformEventsVerticle(ctx)),
        dispatcher,
        providerWork))
      // HTTP_INSTANCES verticles sharing the port (default 1: with port 0, instances may not share one port)
      .compose(v -> vertx.deployVerticle(() -> {
        HttpVerticle verticle = new HttpVerticle(ctx, contract, RealtimeRoutes.create(vertx, ctx, sessions), bodies);
        http.add(verticle);
        return verticle;
      }, new DeploymentOptions().setInstances(httpInstances)))
      .map(id -> new Deployed(http.get(0), dispatcher.result(), providerWork.result()));
  }

  public Vertx vertx() {
    return vertx;
  }

  public ServiceContext context() {
    return context;
  }

  public int port() {
    return deployed.http().actualPort();
  }

  /** The development admin key, or null outside development mode. */
  public String developmentKey() {
    return developmentKey;
  }

  /**
   * Stops the outbox dispatcher first, while Svix and the database are still there (it finishes the
   * messages in flight and hands back the rows it had claimed), then undeploys everything and closes
   * Vert.x (and the pool with it), then stops an embedded database this instance owns.
   */
  public Future<Void> stop() {
    CompletionStage<Void> stopped = vertx.undeploy(deployed.dispatcher())
      // then the provider's own work (the built-in delivery ends its attempts and hands back its claims)
      .transform(v -> deployed.providerWork() == null ? Future.<Void>succeededFuture() : vertx.undeploy(deployed.providerWork()))
      .toCompletionStage()
      .handle((v, err) -> (Void) null) // the rest stops anyway
      // called on one of this Vert.x's event loops, close() would complete on a loop it has shut down
      .thenComposeAsync(v -> vertx.close().toCompletionStage(), ForkJoinPool.commonPool())
      .whenComplete((v, err) -> context.database().stopEmbedded());
    return Future.fromCompletionStage(stopped);
  }
}
