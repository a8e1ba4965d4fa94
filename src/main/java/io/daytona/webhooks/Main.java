package io.daytona.webhooks;

import io.daytona.webhooks.auth.ApiKeys;
import io.daytona.webhooks.config.ConfigException;
import io.daytona.webhooks.config.ConfigSource;
import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.db.Database;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Command line: no arguments runs the service; {@code create-api-key --organization <id>} or
 * {@code create-api-key --admin} mints an API key, prints it once and exits.
 */
public final class Main {


  static final String USAGE = """
    Usage:
      java -jar webhook-service.jar
          Runs the webhook service (configuration: conf/config.yaml, overridden by environment variables).
      java -jar webhook-service.jar create-api-key --organization <organizationId> [--description <text>]
      java -jar webhook-service.jar create-api-key --admin [--description <text>]
          Creates an API key scoped to one organization (or an admin key), prints it once and exits.
          Works whether or not the service runs; uses the same DATABASE_URL / WEBHOOKS_DATA_DIR.
      java -jar webhook-service.jar --help
          Shows this help.
    """;

  private Main() {
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("create-api-key")) {
      System.setProperty("webhooks.log.target", "System.err");
    }
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
      System.out.print(USAGE);
      return;
    }
    if (args.length > 0 && args[0].equals("create-api-key")) {
      System.exit(createApiKey(args));
    }
    if (args.length > 0) {
      System.err.println("Unknown argument: " + args[0]);
      System.err.print(USAGE);
      System.exit(2);
    }
    runService();
  }

  private static ServiceConfig loadConfig() {
    Vertx bootstrap = Vertx.vertx();
    try {
      JsonObject raw = await(ConfigSource.load(bootstrap));
      Set<String> fromEnv = ServiceConfig.KEYS.stream()
        .filter(k -> System.getenv(k) != null && !System.getenv(k).isBlank())
        .collect(Collectors.toSet());
      return ServiceConfig.from(raw, fromEnv);
    } finally {
      bootstrap.close();
    }
  }

  private static void runService() {
    ServiceConfig config;
    try {
      config = loadConfig();
    } catch (ConfigException e) {
      System.err.println("Configuration error: " + e.getMessage());
      System.exit(1);
      return;
    }
    WebhookService service;
    try {
      service = await(WebhookService.start(config));
    } catch (Exception e) {
      log().error("Start-up failed: {}", rootMessage(e));
      System.err.println("Start-up failed: " + rootMessage(e));
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log().info("Shutting down");
      try {
        service.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        log().warn("Shutdown incomplete: {}", rootMessage(e));
      }
    }, "shutdown"));
  }

  private static int createApiKey(String[] args) {
    String organization = null;
    boolean admin = false;
    String description = null;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--admin" -> admin = true;
        case "--organization" -> organization = i + 1 < args.length ? args[++i] : null;
        case "--description" -> description = i + 1 < args.length ? args[++i] : null;
        case "--help" -> {
          System.out.print(USAGE);
          return 0;
        }
        default -> {
          System.err.println("Unknown option: " + args[i]);
          System.err.print(USAGE);
          return 2;
        }
      }
    }
    if (admin == (organization != null)) {
      System.err.println("create-api-key needs exactly one of --organization <id> or --admin");
      return 2;
    }
    if (organization != null && !OrganizationIds.valid(organization)) {
      System.err.println("--organization: " + OrganizationIds.RULE);
      return 2;
    }
    ServiceConfig config;
    try {
      config = loadConfig();
    } catch (ConfigException e) {
      System.err.println("Configuration error: " + e.getMessage());
      return 1;
    }
    Vertx vertx = Vertx.vertx();
    Database db = null;
    try {
      db = await(Database.open(vertx, config));
      String key = ApiKeys.newKey();
      await(new ApiKeys(db.pool()).store(key, organization, description));
      System.out.println(key);
      System.err.println(admin
        ? "Admin API key created. It is shown only once: keep it safe."
        : "API key for organization '" + organization + "' created. It is shown only once: keep it safe.");
      return 0;
    } catch (Exception e) {
      System.err.println("create-api-key failed: " + rootMessage(e));
      return 1;
    } finally {
      try {
        await(vertx.close());
      } catch (Exception ignored) {
        // closing anyway
      }
      if (db != null) {
        db.stopEmbedded();
      }
    }
  }

  private static Logger log() {
    return LoggerFactory.getLogger(Main.class);
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(cause);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
