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

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Command line: no arguments runs the service; {@code create-api-key --organization <id>} or
 * {@code create-api-key --admin} mints an API key, prints it once and exits; {@code list-api-keys} and
 * {@code revoke-api-key <prefix>} list and revoke keys.
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
      java -jar webhook-service.jar list-api-keys
          Lists the API keys: prefix, scope, created, last used, revoked (never the key itself).
      java -jar webhook-service.jar revoke-api-key <prefix>
          Revokes the key with that prefix (as list-api-keys shows it): refused at once (401) on every node.
      java -jar webhook-service.jar --help
          Shows this help.
    """;

  /** The commands that talk to the database and exit (their logs go to stderr, stdout is their answer). */
  private static final Set<String> KEY_COMMANDS = Set.of("create-api-key", "list-api-keys", "revoke-api-key");

  private Main() {
  }

  public static void main(String[] args) {
    boolean keyCommand = args.length > 0 && KEY_COMMANDS.contains(args[0]);
    if (keyCommand) {
      System.setProperty("webhooks.log.target", "System.err");
    }
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
      System.out.print(USAGE);
      return;
    }
    if (args.length > 0 && args[0].equals("create-api-key")) {
      System.exit(createApiKey(args));
    }
    if (args.length > 0 && args[0].equals("list-api-keys")) {
      System.exit(listApiKeys(args));
    }
    if (args.length > 0 && args[0].equals("revoke-api-key")) {
      System.exit(revokeApiKey(args));
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
    String org = organization;
    String about = description;
    return withApiKeys("create-api-key", keys -> {
      String key = ApiKeys.newKey();
      await(keys.store(key, org, about));
      System.out.println(key);
      System.err.println(org == null
        ? "Admin API key created. It is shown only once: keep it safe."
        : "API key for organization '" + org + "' created. It is shown only once: keep it safe.");
      return 0;
    });
  }

  private static int listApiKeys(String[] args) {
    if (args.length > 1) {
      System.err.println("list-api-keys takes no arguments");
      System.err.print(USAGE);
      return 2;
    }
    return withApiKeys("list-api-keys", keys -> {
      List<ApiKeys.Listed> listed = await(keys.list());
      System.out.println(String.join("\t", "PREFIX", "SCOPE", "CREATED", "LAST_USED", "REVOKED", "DESCRIPTION"));
      for (ApiKeys.Listed k : listed) {
        System.out.println(String.join("\t", k.prefix(), k.scope(), instant(k.createdAt()),
          k.lastUsedAt() == null ? "never" : instant(k.lastUsedAt()),
          k.revokedAt() == null ? "-" : instant(k.revokedAt()), k.description() == null ? "" : k.description()));
      }
      System.err.println(listed.size() + " API key(s).");
      return 0;
    });
  }

  private static int revokeApiKey(String[] args) {
    if (args.length != 2 || args[1].startsWith("-")) {
      System.err.println("revoke-api-key needs the key's prefix (as list-api-keys shows it)");
      System.err.print(USAGE);
      return 2;
    }
    String prefix = args[1];
    return withApiKeys("revoke-api-key", keys -> {
      int revoked = await(keys.revoke(prefix));
      if (revoked == 0) {
        System.err.println("No unrevoked API key has the prefix '" + prefix + "'.");
        return 1;
      }
      System.out.println("revoked " + prefix);
      System.err.println("API key " + prefix + " revoked: it is refused from now on.");
      return 0;
    });
  }

  /** Opens the database of the configuration (attaching to or starting the embedded one), runs {@code command}. */
  private static int withApiKeys(String name, java.util.function.Function<ApiKeys, Integer> command) {
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
      return command.apply(new ApiKeys(db.pool()));
    } catch (Exception e) {
      System.err.println(name + " failed: " + rootMessage(e));
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

  private static String instant(java.time.OffsetDateTime t) {
    return t.toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
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
