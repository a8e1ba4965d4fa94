package io.daytona.webhooks.config;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validated configuration of one service instance. Built from the raw key/value view that
 * {@link ConfigSource} produces (or that a test hands in); every problem is a
 * {@link ConfigException} naming the variable.
 */
public final class ServiceConfig {

  /** Every configuration key; each is also read from the environment variable of the same name. */
  public static final List<String> KEYS = List.of(
    "HTTP_HOST", "HTTP_PORT", "HTTP_INSTANCES",
    "DATABASE_URL", "WEBHOOKS_DATA_DIR", "DATABASE_POOL_SIZE", "DATABASE_STATEMENT_TIMEOUT_MS", "ALLOW_DEVELOPMENT_MODE",
    "DEAD_LETTER_RETENTION_DAYS",
    "SVIX_AUTH_TOKEN", "SVIX_SERVER_URL", "SVIX_OPERATIONAL_WEBHOOK_SECRET", "SVIX_TIMEOUT_MS",
    "JWT_SECRET", "JWT_PUBLIC_KEY", "JWT_ISSUER", "JWT_AUDIENCE",
    "PRECONFIGURED_ENDPOINT_BASE_URL",
    "CLUSTER", "CLUSTER_HOST", "CLUSTER_PORT", "CLUSTER_MEMBERS", "CLUSTER_NAME", "CLUSTER_EVENTBUS_PORT",
    "CLUSTER_TLS_CERT", "CLUSTER_TLS_KEY", "CLUSTER_TLS_CA",
    "OUTBOX_BATCH_SIZE", "OUTBOX_CONCURRENCY", "OUTBOX_POLL_INTERVAL_MS",
    "OUTBOX_BACKOFF_BASE_MS", "OUTBOX_BACKOFF_FACTOR", "OUTBOX_BACKOFF_MAX_MS", "OUTBOX_RETENTION_HOURS",
    "OUTBOX_LEASE_MS",
    "INIT_RETRY_BASE_MS", "INIT_RETRY_MAX_MS", "INIT_RETRY_INTERVAL_MS", "BULK_CONCURRENCY",
    "SVIX_WORKER_THREADS", "SVIX_HEALTH_INTERVAL_MS",
    "DELIVERY_PROVIDER", "DELIVERY_TIMEOUT_MS", "DELIVERY_RETRY_SCHEDULE", "DELIVERY_DISABLE_AFTER_HOURS",
    "DELIVERY_CONCURRENCY", "DELIVERY_ENDPOINT_CONCURRENCY", "DELIVERY_RETENTION_DAYS", "DELIVERY_ALLOWED_NETWORKS",
    "OUTBOX_REJECT_AFTER_MS",
    "MAX_PAYLOAD_BYTES", "SEND_RATE_LIMIT", "HTTP_IDLE_TIMEOUT_S", "MAX_CUSTOM_EVENT_TYPES",
    "OUTBOX_INTAKE_QUEUE", "OUTBOX_INTAKE_QUEUE_BYTES", "OUTBOX_MEMORY_BUDGET_BYTES", "REALTIME_MAX_SESSIONS_PER_ORG",
    "HTTP_BODY_BUDGET_BYTES",
    "PORTAL_FRAME_ANCESTORS");

  private static final Set<String> TRUE = Set.of("true", "1", "yes", "on");
  private static final Set<String> FALSE = Set.of("false", "0", "no", "off");

  private final JsonObject raw;
  private final List<String> defaultsChosen = new ArrayList<>();

  public final String httpHost;
  public final int httpPort;
  public final Database database;
  public final Path dataDir;
  public final int databasePoolSize;
  /** Development mode may run on a non-loopback HTTP_HOST ({@code ALLOW_DEVELOPMENT_MODE=true}). */
  public final boolean allowDevelopmentMode;
  /** The deadline of every database statement ({@code statement_timeout} of each connection). */
  public final Duration databaseStatementTimeout;
  /** How long dead letters and rejected outbox rows are kept. */
  public final int deadLetterRetentionDays;
  public final String svixAuthToken;
  public final URI svixServerUrl;
  public final String svixOperationalWebhookSecret;
  public final Duration svixTimeout;
  public final String jwtSecret;
  public final String jwtPublicKeyPem;
  public final String jwtIssuer;
  public final String jwtAudience;
  public final URI preconfiguredEndpointBaseUrl;
  public final boolean cluster;
  public final String clusterHost;
  public final int clusterPort;
  public final List<String> clusterMembers;
  /** TLS with client certificates on the event bus between nodes, or null. */
  public final ClusterTls clusterTls;

  /** PEM paths: this node's certificate and key, and the CA every member's certificate must be signed by. */
  public record ClusterTls(java.nio.file.Path cert, java.nio.file.Path key, java.nio.file.Path ca) {
  }
  public final String clusterName;
  public final int clusterEventBusPort;
  /** Who signs and delivers: {@code svix} or {@code builtin}. */
  public final Provider deliveryProvider;
  /** The built-in delivery's settings (read whichever provider runs). */
  public final BuiltinDelivery builtin;
  /** HTTP verticle instances sharing the port ({@code HTTP_INSTANCES}). */
  public final int httpInstances;
  /** The Svix provider's settings, derived deadlines included. */
  public final SvixSettings svix;
  /** The outbox dispatcher's settings. */
  public final OutboxSettings outbox;
  /** Initialization's settings (retries, bulk runs, leases). */
  public final InitializationSettings initialization;
  /** What one caller or one message may take: sizes, rates, idle connections. */
  public final Limits limits;

  /**
   * {@code MAX_PAYLOAD_BYTES}: the largest {@code /send} payload and platform event body (as encoded JSON,
   * at most the 1 MiB every REST body is held to); {@code SEND_RATE_LIMIT}: {@code /send} events per second
   * and organization on each node (bursts of twice that); {@code HTTP_IDLE_TIMEOUT_S}: HTTP connections with
   * nothing read or written for that long are closed; {@code MAX_CUSTOM_EVENT_TYPES}: distinct custom event
   * types service-wide; {@code OUTBOX_INTAKE_QUEUE} / {@code OUTBOX_INTAKE_QUEUE_BYTES}: events (and their
   * payload bytes) accepted by one node and waiting for their commit, over which intake answers 503;
   * {@code OUTBOX_MEMORY_BUDGET_BYTES}: payload bytes one dispatcher holds at once;
   * {@code REALTIME_MAX_SESSIONS_PER_ORG}: SockJS sockets registered per organization on each node;
   * {@code HTTP_BODY_BUDGET_BYTES}: request body bytes one node reads and handles at once (0: a thirty-second of
   * the heap, at least 4 MiB), over which a request is answered 503 unread.
   */
  public record Limits(int maxPayloadBytes, int sendRateLimit, Duration httpIdleTimeout, int maxCustomEventTypes,
                       int intakeQueue, long intakeQueueBytes, long outboxMemoryBudgetBytes,
                       int realtimeMaxSessionsPerOrg, long httpBodyBudgetBytes) {
  }
  /**
   * {@code PORTAL_FRAME_ANCESTORS}: the CSP {@code frame-ancestors} sources of the pages ({@code /portal},
   * {@code /}), i.e. who may embed them in a frame; {@code 'self'} by default, {@code 'none'} for nobody.
   */
  public final String portalFrameAncestors;

  /**
   * {@code SVIX_*}: the token (null: not configured), the self-hosted server, the deadline of one call
   * ({@code SVIX_TIMEOUT_MS}: connect, read and the whole call, queueing included), the SDK's worker
   * threads and the health check's period.
   */
  public record SvixSettings(String token, URI serverUrl, Duration callDeadline, int workerThreads,
                             Duration healthInterval) {

    public boolean configured() {
      return token != null;
    }
  }

  /**
   * {@code OUTBOX_*}: rows per claim, organizations sent at once, the idle poll, the retry backoff
   * (base × factor^(n-1), jittered, capped), how long sent rows are kept, the lease of claimed rows
   * (renewed while a chain runs), and how long a row may keep failing while others succeed before
   * it is rejected. {@code providerCallLimit} is the longest one provider call may take (its own
   * deadline plus margin): the dispatcher waits that long for calls in flight when it stops.
   */
  public record OutboxSettings(int batchSize, int concurrency, Duration pollInterval, Duration backoffBase,
                               double backoffFactor, Duration backoffMax, int retentionHours, Duration lease,
                               Duration rejectAfter, Duration providerCallLimit) {
  }

  /**
   * {@code INIT_*} and {@code BULK_CONCURRENCY}: retry backoff (base doubling up to max), the retry
   * job's period, runs at once in a bulk operation, {@code concurrency} (runs at once on this node:
   * at most BULK_CONCURRENCY and never more than the pool size less 2), the lease one run holds on
   * its organization (renewed every third of it while the run goes on) and the longest one run waits
   * for another run of the same organization to end.
   */
  public record InitializationSettings(Duration retryBase, Duration retryMax, Duration retryInterval,
                                       int bulkConcurrency, int concurrency, Duration lease, Duration turnWait) {
  }

  /** The delivery providers ({@code DELIVERY_PROVIDER}). */
  public enum Provider {
    SVIX, BUILTIN;

    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * {@code DELIVERY_*}: the request deadline, the waits between attempts (Svix's schedule by default), how
   * long an endpoint may fail before it is disabled, requests in flight per node and per endpoint, how long
   * messages and attempts are kept, and the networks a receiver may be in although private or local
   * (CIDRs, validated here, parsed by the network guard).
   */
  public record BuiltinDelivery(Duration timeout, List<Duration> retrySchedule, Duration disableAfter,
                                int concurrency, int endpointConcurrency, int retentionDays,
                                List<String> allowedNetworks) {
  }

  /** A parsed {@code DATABASE_URL}. */
  public record Database(String host, int port, String database, String user, String password) {
  }

  private ServiceConfig(JsonObject raw, Set<String> fromEnvironment) {
    this.raw = raw;
    jwtSecret = optional("JWT_SECRET");
    if (jwtSecret != null && jwtSecret.length() < 32) {
      throw new ConfigException("JWT_SECRET", "must be at least 32 characters for HS256");
    }
    jwtPublicKeyPem = publicKey(optional("JWT_PUBLIC_KEY"));
    jwtIssuer = optional("JWT_ISSUER");
    jwtAudience = optional("JWT_AUDIENCE");
    if (developmentAuth()) {
      defaultsChosen.add("JWT_SECRET and JWT_PUBLIC_KEY not set: development authentication "
        + "(an admin API key is created and printed below)");
    }

    String host = optional("HTTP_HOST");
    if (host == null) {
      host = developmentAuth() ? "127.0.0.1" : "0.0.0.0";
      defaultsChosen.add("HTTP_HOST not set: listening on " + host
        + (developmentAuth() ? " (development mode)" : ""));
    }
    allowDevelopmentMode = bool("ALLOW_DEVELOPMENT_MODE", false);
    if (developmentAuth() && !loopback(host) && !allowDevelopmentMode) {
      throw new ConfigException("HTTP_HOST", host + " is not a loopback address and no JWT_SECRET or JWT_PUBLIC_KEY "
        + "is set: set JWT_SECRET or JWT_PUBLIC_KEY (or ALLOW_DEVELOPMENT_MODE=true to run development mode, "
        + "with its printed admin key, on this address)");
    }
    httpHost = host;
    httpPort = port("HTTP_PORT", 8080, false, fromEnvironment);

    String dir = optional("WEBHOOKS_DATA_DIR");
    if (dir == null) {
      dir = "./data";
    }
    dataDir = Path.of(dir);
    String url = optional("DATABASE_URL");
    if (url == null) {
      database = null;
      defaultsChosen.add("DATABASE_URL not set: embedded PostgreSQL with its data in "
        + dataDir.resolve("postgres"));
    } else {
      database = parseDatabaseUrl(url);
    }
    databasePoolSize = integer("DATABASE_POOL_SIZE", 8, 1, 200);
    databaseStatementTimeout = Duration.ofMillis(integer("DATABASE_STATEMENT_TIMEOUT_MS", 30_000, 100, 3_600_000));
    deadLetterRetentionDays = integer("DEAD_LETTER_RETENTION_DAYS", 30, 1, 3650);

    svixAuthToken = optional("SVIX_AUTH_TOKEN");
    svixServerUrl = serverUrl(optional("SVIX_SERVER_URL"));
    svixOperationalWebhookSecret = optional("SVIX_OPERATIONAL_WEBHOOK_SECRET");
    if (svixOperationalWebhookSecret != null && !svixOperationalWebhookSecret.startsWith("whsec_")) {
      throw new ConfigException("SVIX_OPERATIONAL_WEBHOOK_SECRET", "must start with whsec_");
    }
    if (svixOperationalWebhookSecret == null) {
      defaultsChosen.add("SVIX_OPERATIONAL_WEBHOOK_SECRET not set: operational webhooks are refused");
    }
    svixTimeout = Duration.ofMillis(integer("SVIX_TIMEOUT_MS", 10_000, 100, 300_000));

    String base = orDefault("PRECONFIGURED_ENDPOINT_BASE_URL", "https://webhook.daytona.io");
    if (!fromEnvironment.contains("PRECONFIGURED_ENDPOINT_BASE_URL")) {
      defaultsChosen.add("PRECONFIGURED_ENDPOINT_BASE_URL not set: preconfigured endpoints point at " + base);
    }
    preconfiguredEndpointBaseUrl = httpUrl("PRECONFIGURED_ENDPOINT_BASE_URL", base);

    cluster = bool("CLUSTER", false);
    clusterHost = optional("CLUSTER_HOST");
    clusterPort = port("CLUSTER_PORT", 5701, true, fromEnvironment);
    clusterName = orDefault("CLUSTER_NAME", "webhook-service");
    clusterEventBusPort = port("CLUSTER_EVENTBUS_PORT", 0, false, fromEnvironment);
    clusterMembers = members(optional("CLUSTER_MEMBERS"));
    clusterTls = clusterTls(optional("CLUSTER_TLS_CERT"), optional("CLUSTER_TLS_KEY"), optional("CLUSTER_TLS_CA"));
    if (cluster && clusterHost == null) {
      defaultsChosen.add("CLUSTER_HOST not set: this node announces 127.0.0.1 to the cluster");
    }

    deliveryProvider = provider(optional("DELIVERY_PROVIDER"));
    if (deliveryProvider == Provider.SVIX && svixAuthToken == null) {
      defaultsChosen.add("SVIX_AUTH_TOKEN not set: Svix disabled, accepted events wait in the outbox");
    }
    builtin = new BuiltinDelivery(
      Duration.ofMillis(integer("DELIVERY_TIMEOUT_MS", 15_000, 100, 300_000)),
      schedule(orDefault("DELIVERY_RETRY_SCHEDULE", "5s,5m,30m,2h,5h,10h,10h")),
      Duration.ofHours(integer("DELIVERY_DISABLE_AFTER_HOURS", 120, 1, 87_600)),
      integer("DELIVERY_CONCURRENCY", 64, 1, 4096),
      integer("DELIVERY_ENDPOINT_CONCURRENCY", 4, 1, 256),
      integer("DELIVERY_RETENTION_DAYS", 30, 1, 3650),
      allowedNetworks(optional("DELIVERY_ALLOWED_NETWORKS")));

    httpInstances = integer("HTTP_INSTANCES", 1, 1, 64);
    portalFrameAncestors = frameAncestors(optional("PORTAL_FRAME_ANCESTORS"));
    svix = new SvixSettings(svixAuthToken, svixServerUrl, svixTimeout, integer("SVIX_WORKER_THREADS", 32, 1, 512),
      Duration.ofMillis(integer("SVIX_HEALTH_INTERVAL_MS", 15_000, 50, 3_600_000)));
    // a provider call's own deadline, plus the time its answer takes to come back
    Duration callLimit = svixTimeout.plusMillis(1_000);
    long defaultLease = Math.max(60_000, 3 * (2 * svixTimeout.toMillis() + 5_000));
    long backoffMax = integer("OUTBOX_BACKOFF_MAX_MS", 30_000, 1, 3_600_000);
    outbox = new OutboxSettings(
      integer("OUTBOX_BATCH_SIZE", 500, 1, 5000),
      integer("OUTBOX_CONCURRENCY", 32, 1, 256),
      Duration.ofMillis(integer("OUTBOX_POLL_INTERVAL_MS", 1000, 10, 600_000)),
      Duration.ofMillis(integer("OUTBOX_BACKOFF_BASE_MS", 500, 1, 600_000)),
      decimal("OUTBOX_BACKOFF_FACTOR", 2.0, 1.0, 10.0),
      Duration.ofMillis(backoffMax),
      integer("OUTBOX_RETENTION_HOURS", 168, 1, 87_600),
      Duration.ofMillis(integer("OUTBOX_LEASE_MS", (int) Math.min(3_600_000, defaultLease), 1_000, 3_600_000)),
      Duration.ofMillis(integer("OUTBOX_REJECT_AFTER_MS", 3_600_000, 1, Integer.MAX_VALUE)),
      callLimit);
    long retryBase = integer("INIT_RETRY_BASE_MS", 30_000, 1, 86_400_000);
    long retryMax = integer("INIT_RETRY_MAX_MS", 3_600_000, 1, 604_800_000);
    int bulk = integer("BULK_CONCURRENCY", 8, 1, 256);
    // one run: the application and five endpoints (each perhaps fetched after a conflict), one deadline each
    long runMs = svixTimeout.toMillis() * 12 + 5_000;
    initialization = new InitializationSettings(Duration.ofMillis(retryBase), Duration.ofMillis(Math.max(retryBase, retryMax)),
      Duration.ofMillis(integer("INIT_RETRY_INTERVAL_MS", 15_000, 10, 86_400_000)), bulk,
      Math.max(1, Math.min(bulk, databasePoolSize - 2)),
      Duration.ofMillis(Math.max(30_000, 3 * svixTimeout.toMillis() + 5_000)), Duration.ofMillis(runMs));
    limits = new Limits(integer("MAX_PAYLOAD_BYTES", 262_144, 1, MAX_BODY_BYTES),
      integer("SEND_RATE_LIMIT", 100, 1, 1_000_000),
      Duration.ofSeconds(integer("HTTP_IDLE_TIMEOUT_S", 60, 1, 86_400)),
      integer("MAX_CUSTOM_EVENT_TYPES", 1000, 1, 1_000_000),
      integer("OUTBOX_INTAKE_QUEUE", 10_000, 1, 1_000_000),
      // at least one largest payload fits, whatever the settings
      integer("OUTBOX_INTAKE_QUEUE_BYTES", 16_777_216, MAX_BODY_BYTES, Integer.MAX_VALUE),
      integer("OUTBOX_MEMORY_BUDGET_BYTES", 16_777_216, MAX_BODY_BYTES, Integer.MAX_VALUE),
      integer("REALTIME_MAX_SESSIONS_PER_ORG", 100, 1, 100_000),
      httpBodyBudget());
  }

  /** {@code HTTP_BODY_BUDGET_BYTES}: 0 (a thirty-second of the heap) or at least one largest body. */
  private long httpBodyBudget() {
    int value = integer("HTTP_BODY_BUDGET_BYTES", 0, 0, Integer.MAX_VALUE);
    if (value != 0 && value < MAX_BODY_BYTES) {
      throw new ConfigException("HTTP_BODY_BUDGET_BYTES", "must be 0 (a thirty-second of the heap) or at least "
        + MAX_BODY_BYTES + " (one largest body), not " + value);
    }
    return value;
  }

  /** The 1 MiB every REST body is held to; a payload limit above it could never be reached. */
  public static final int MAX_BODY_BYTES = 1024 * 1024;

  /** All three PEM files, readable, or none of them. */
  private ClusterTls clusterTls(String cert, String key, String ca) {
    if (cert == null && key == null && ca == null) {
      return null;
    }
    String[][] given = {{"CLUSTER_TLS_CERT", cert}, {"CLUSTER_TLS_KEY", key}, {"CLUSTER_TLS_CA", ca}};
    for (String[] g : given) {
      if (g[1] == null) {
        throw new ConfigException(g[0], "must be set with the other CLUSTER_TLS_* variables (certificate, key and CA, "
          + "PEM files)");
      }
      java.nio.file.Path path = java.nio.file.Path.of(g[1]);
      if (!java.nio.file.Files.isReadable(path)) {
        throw new ConfigException(g[0], "cannot read " + g[1]);
      }
      String text;
      try {
        text = java.nio.file.Files.readString(path);
      } catch (java.io.IOException | RuntimeException e) {
        throw new ConfigException(g[0], "cannot read " + g[1] + ": " + e.getMessage());
      }
      if (!text.contains("-----BEGIN ")) {
        throw new ConfigException(g[0], g[1] + " is not a PEM file");
      }
    }
    return new ClusterTls(java.nio.file.Path.of(cert), java.nio.file.Path.of(key), java.nio.file.Path.of(ca));
  }

  private Provider provider(String v) {
    if (v == null) {
      Provider chosen = svixAuthToken != null ? Provider.SVIX : Provider.BUILTIN;
      defaultsChosen.add("DELIVERY_PROVIDER not set: " + chosen.key() + (chosen == Provider.SVIX
        ? " (SVIX_AUTH_TOKEN is set)" : " (SVIX_AUTH_TOKEN is not set)"));
      return chosen;
    }
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "svix" -> Provider.SVIX;
      case "builtin" -> Provider.BUILTIN;
      default -> throw new ConfigException("DELIVERY_PROVIDER", "must be svix or builtin, got '" + v + "'");
    };
  }

  /**
   * Space- or comma-separated CSP source expressions: {@code 'self'}, {@code 'none'} (alone), or origins such
   * as {@code https://app.example.com} / {@code https://*.example.com}; nothing that could end the directive.
   */
  static String frameAncestors(String v) {
    if (v == null) {
      return "'self'";
    }
    List<String> sources = new ArrayList<>();
    for (String part : v.split("[,\\s]+")) {
      if (part.isEmpty()) {
        continue;
      }
      String lower = part.toLowerCase(java.util.Locale.ROOT);
      boolean keyword = lower.equals("'self'") || lower.equals("'none'");
      boolean origin = lower.matches("^(https?://)?(\\*\\.)?[a-z0-9.-]+(:(\\d{1,5}|\\*))?/?$")
        || lower.matches("^https?:$");
      if (!keyword && !origin) {
        throw new ConfigException("PORTAL_FRAME_ANCESTORS", "'" + part + "' is not a frame-ancestors source "
          + "('self', 'none' or an origin such as https://app.example.com)");
      }
      sources.add(keyword ? lower : part);
    }
    if (sources.isEmpty()) {
      return "'self'";
    }
    if (sources.contains("'none'") && sources.size() > 1) {
      throw new ConfigException("PORTAL_FRAME_ANCESTORS", "'none' cannot be combined with other sources");
    }
    return String.join(" ", sources);
  }

  /** {@code 5s,5m,30m,2h}: the waits before the 2nd, 3rd, ... attempt (units ms, s, m, h, d). */
  static List<Duration> schedule(String v) {
    List<Duration> out = new ArrayList<>();
    for (String part : v.split(",")) {
      String p = part.trim().toLowerCase(java.util.Locale.ROOT);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d{1,9})(ms|s|m|h|d)$").matcher(p);
      if (!m.matches()) {
        throw new ConfigException("DELIVERY_RETRY_SCHEDULE", "'" + part.trim()
          + "' is not a wait such as 500ms, 5s, 5m, 2h or 1d (comma-separated)");
      }
      long n = Long.parseLong(m.group(1));
      out.add(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      });
    }
    if (out.size() > 50) {
      throw new ConfigException("DELIVERY_RETRY_SCHEDULE", "at most 50 retries, got " + out.size());
    }
    return List.copyOf(out);
  }

  /** Comma-separated CIDRs; unset: loopback in development mode (a default logged), else none. */
  private List<String> allowedNetworks(String v) {
    if (v == null) {
      if (developmentAuth()) {
        defaultsChosen.add("DELIVERY_ALLOWED_NETWORKS not set: development mode lets webhooks reach "
          + "127.0.0.0/8 and ::1/128 (receivers on this machine)");
        return List.of("127.0.0.0/8", "::1/128");
      }
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String part : v.split(",")) {
      String cidr = part.trim();
      if (cidr.isEmpty()) {
        continue;
      }
      int slash = cidr.indexOf('/');
      String address = slash < 0 ? cidr : cidr.substring(0, slash);
      boolean v6 = address.contains(":");
      if (!(v6 ? address.matches("^[0-9A-Fa-f:.]+$") : address.matches("^\\d{1,3}(\\.\\d{1,3}){3}$"))) {
        throw new ConfigException("DELIVERY_ALLOWED_NETWORKS", "'" + cidr + "' is not an IP network (e.g. 10.0.0.0/8)");
      }
      try {
        java.net.InetAddress.getByName(address);
      } catch (java.net.UnknownHostException e) {
        throw new ConfigException("DELIVERY_ALLOWED_NETWORKS", "'" + cidr + "' is not an IP network (e.g. 10.0.0.0/8)");
      }
      if (slash >= 0) {
        int bits;
        try {
          bits = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > (v6 ? 128 : 32)) {
          throw new ConfigException("DELIVERY_ALLOWED_NETWORKS", "bad prefix length in '" + cidr + "'");
        }
      }
      out.add(cidr);
    }
    return List.copyOf(out);
  }

  /** Parses and validates; {@code fromEnvironment} names the keys the operator set explicitly. */
  public static ServiceConfig from(JsonObject raw, Set<String> fromEnvironment) {
    return new ServiceConfig(raw == null ? new JsonObject() : raw, fromEnvironment);
  }

  /**
   * For tests and tools: the given values over the defaults of the packaged {@code conf/config.yaml}, as the
   * service itself reads them (a value given as null is taken as not set).
   */
  public static ServiceConfig from(Map<String, ?> values) {
    JsonObject raw = ConfigSource.packagedDefaults();
    values.forEach(raw::put);
    return from(raw, values.keySet());
  }

  /** Only the given values, none of conf/config.yaml: what the code alone falls back to. */
  static ServiceConfig withoutDefaultsFile(Map<String, ?> values) {
    return from(new JsonObject(new java.util.HashMap<>(values)), values.keySet());
  }

  /** One line for each default the service falls back to. */
  public List<String> defaultsChosen() {
    return Collections.unmodifiableList(defaultsChosen);
  }

  /** Neither JWT secret nor public key: the service runs in development authentication mode. */
  public boolean developmentAuth() {
    return jwtSecret == null && jwtPublicKeyPem == null;
  }

  /** Svix is the provider and has a token (when false with {@code DELIVERY_PROVIDER=svix}, events wait). */
  public boolean svixEnabled() {
    return deliveryProvider == Provider.SVIX && svixAuthToken != null;
  }

  /** A tuning integer with bounds. */
  private int integer(String key, int def, int min, int max) {
    String v = optional(key);
    if (v == null) {
      return def;
    }
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "not a whole number: '" + v + "'");
    }
    if (n < min || n > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + n);
    }
    return n;
  }

  /** A tuning decimal with bounds. */
  private double decimal(String key, double def, double min, double max) {
    String v = optional(key);
    if (v == null) {
      return def;
    }
    double d;
    try {
      d = Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "not a number: '" + v + "'");
    }
    if (!(d >= min && d <= max)) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + v);
    }
    return d;
  }

  public String optional(String key) {
    Object v = raw.getValue(key);
    if (v == null) {
      return null;
    }
    String s = String.valueOf(v).trim();
    return s.isEmpty() ? null : s;
  }

  private String orDefault(String key, String def) {
    String v = optional(key);
    return v == null ? def : v;
  }

  private static boolean loopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
  }

  private boolean bool(String key, boolean def) {
    String v = optional(key);
    if (v == null) {
      return def;
    }
    String l = v.toLowerCase();
    if (TRUE.contains(l)) {
      return true;
    }
    if (FALSE.contains(l)) {
      return false;
    }
    throw new ConfigException(key, "must be true or false, got '" + v + "'");
  }

  private int port(String key, int def, boolean nonZero, Set<String> fromEnvironment) {
    String v = optional(key);
    if (key.equals("HTTP_PORT") && !fromEnvironment.contains(key)) {
      defaultsChosen.add("HTTP_PORT not set: listening on port " + (v == null ? def : v));
    }
    if (v == null) {
      return def;
    }
    int p;
    try {
      p = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "not a port number: '" + v + "'");
    }
    if (p < (nonZero ? 1 : 0) || p > 65535) {
      throw new ConfigException(key, "port out of range (" + (nonZero ? 1 : 0) + "-65535): " + p);
    }
    return p;
  }

  private static Database parseDatabaseUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new ConfigException("DATABASE_URL", "malformed URL (expected postgresql://user:pass@host:port/db)");
    }
    String scheme = uri.getScheme();
    if (!"postgresql".equals(scheme) && !"postgres".equals(scheme)) {
      throw new ConfigException("DATABASE_URL", "scheme must be postgresql://, got "
        + (scheme == null ? "none" : scheme + "://"));
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new ConfigException("DATABASE_URL", "no host (expected postgresql://user:pass@host:port/db)");
    }
    int port = uri.getPort() == -1 ? 5432 : uri.getPort();
    if (port < 1 || port > 65535) {
      throw new ConfigException("DATABASE_URL", "port out of range: " + port);
    }
    String path = uri.getRawPath();
    String db = path == null || path.length() <= 1 ? "postgres" : decode(path.substring(1));
    String user = "postgres";
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
    }
    return new Database(uri.getHost(), port, db, user, password);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static URI serverUrl(String v) {
    if (v == null) {
      return null;
    }
    URI uri = httpUrl("SVIX_SERVER_URL", v);
    String path = uri.getPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      throw new ConfigException("SVIX_SERVER_URL", "must be scheme, host and port only (the Svix SDK drops the path '"
        + path + "')");
    }
    return URI.create(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort()));
  }

  private static URI httpUrl(String key, String v) {
    URI uri;
    try {
      uri = new URI(v);
    } catch (URISyntaxException e) {
      throw new ConfigException(key, "malformed URL: '" + v + "'");
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new ConfigException(key, "must be an http:// or https:// URL, got '" + v + "'");
    }
    if (uri.getHost() == null) {
      throw new ConfigException(key, "no host in '" + v + "'");
    }
    if (uri.getPort() > 65535) {
      throw new ConfigException(key, "port out of range in '" + v + "'");
    }
    return uri;
  }

  private static String publicKey(String v) {
    if (v == null) {
      return null;
    }
    String pem = v;
    if (!v.contains("-----BEGIN")) {
      Path file = Path.of(v);
      if (!Files.isReadable(file)) {
        throw new ConfigException("JWT_PUBLIC_KEY", "neither a PEM public key nor a readable file: " + v);
      }
      try {
        pem = Files.readString(file);
      } catch (IOException e) {
        throw new ConfigException("JWT_PUBLIC_KEY", "cannot read " + v + ": " + e.getMessage());
      }
    }
    if (!pem.contains("-----BEGIN PUBLIC KEY-----")) {
      throw new ConfigException("JWT_PUBLIC_KEY", "not a PEM public key (expected -----BEGIN PUBLIC KEY-----)");
    }
    try {
      String body = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
      byte[] der = java.util.Base64.getDecoder().decode(body);
      java.security.KeyFactory.getInstance("RSA").generatePublic(new java.security.spec.X509EncodedKeySpec(der));
    } catch (Exception e) {
      throw new ConfigException("JWT_PUBLIC_KEY", "not a readable RSA public key");
    }
    return pem.replace("\\n", "\n");
  }

  private static List<String> members(String v) {
    if (v == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String m : Arrays.asList(v.split(","))) {
      String s = m.trim();
      if (s.isEmpty()) {
        continue;
      }
      int colon = s.lastIndexOf(':');
      if (colon > 0) {
        String p = s.substring(colon + 1);
        try {
          int port = Integer.parseInt(p);
          if (port < 1 || port > 65535) {
            throw new ConfigException("CLUSTER_MEMBERS", "port out of range in '" + s + "'");
          }
        } catch (NumberFormatException e) {
          throw new ConfigException("CLUSTER_MEMBERS", "bad port in '" + s + "' (expected host[:port])");
        }
      }
      out.add(s);
    }
    return List.copyOf(out);
  }
}
