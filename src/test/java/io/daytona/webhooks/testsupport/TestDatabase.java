package io.daytona.webhooks.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real PostgreSQL the tests run against, one server per test JVM:
 * {@code WEBHOOKS_TEST_DATABASE_URL} when set, else Testcontainers when a Docker engine answers,
 * else embedded PostgreSQL (zonky). Each test gets a fresh database on it.
 */
public final class TestDatabase {

  /** When true, the embedded server flushes every commit to disk as the service's own embedded one does. */
  public static final String DURABLE_PROPERTY = "webhooks.test.durableDatabase";

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static String serverUrl;

  private TestDatabase() {
  }

  /** {@code postgresql://user:pass@host:port/db} of the server's maintenance database. */
  public static synchronized String serverUrl() {
    if (serverUrl != null) {
      return serverUrl;
    }
    String given = System.getenv("WEBHOOKS_TEST_DATABASE_URL");
    if (given != null && !given.isBlank()) {
      serverUrl = given;
    } else if (dockerAvailable()) {
      PostgreSQLContainer<?> pg = new PostgreSQLContainer<>("postgres:16-alpine");
      pg.start();
      Runtime.getRuntime().addShutdownHook(new Thread(pg::stop));
      serverUrl = "postgresql://" + pg.getUsername() + ":" + pg.getPassword() + "@" + pg.getHost() + ":"
        + pg.getMappedPort(5432) + "/" + pg.getDatabaseName();
    } else {
      try {
        // tests trade durability for speed; the benchmark measures the service's own embedded settings
        String durable = Boolean.getBoolean(DURABLE_PROPERTY) ? "on" : "off";
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setServerConfig("max_connections", "300")
          .setServerConfig("fsync", durable)
          .setServerConfig("synchronous_commit", durable)
          .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            pg.close();
          } catch (Exception ignored) {
            // exiting anyway
          }
        }));
        serverUrl = "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
      } catch (Exception e) {
        throw new IllegalStateException("embedded PostgreSQL did not start", e);
      }
    }
    return serverUrl;
  }

  /** A new, empty database on the test server; its {@code DATABASE_URL}. */
  public static String freshDatabaseUrl() {
    URI server = URI.create(serverUrl());
    String name = "webhooks_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    try (Connection c = DriverManager.getConnection(jdbcUrl(server), user(server), password(server));
         Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    return server.getScheme() + "://" + server.getRawUserInfo() + "@" + server.getHost() + ":" + server.getPort() + "/" + name;
  }

  /** The service's {@link io.daytona.webhooks.db.Database} (pools, migrated) on {@code databaseUrl}. */
  public static io.vertx.core.Future<io.daytona.webhooks.db.Database> open(io.vertx.core.Vertx vertx, String databaseUrl) {
    return io.daytona.webhooks.db.Database.open(vertx, io.daytona.webhooks.config.ServiceConfig.from(
      java.util.Map.of("DATABASE_URL", databaseUrl, "JWT_SECRET", "x".repeat(40))));
  }

  /** A JDBC connection to one of the test databases (for assertions on rows). */
  public static Connection connect(String databaseUrl) throws java.sql.SQLException {
    URI uri = URI.create(databaseUrl);
    return DriverManager.getConnection(jdbcUrl(uri), user(uri), password(uri));
  }

  /** The first column of every row {@code sql} answers, as text, in order. */
  public static java.util.List<String> column(java.sql.Statement s, String sql) throws java.sql.SQLException {
    java.util.List<String> out = new java.util.ArrayList<>();
    try (java.sql.ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  /** Migrates a test database with the service's migrations up to {@code version} only (an older schema). */
  public static void migrateTo(String databaseUrl, String version) {
    URI uri = URI.create(databaseUrl);
    org.flywaydb.core.Flyway.configure().dataSource(jdbcUrl(uri), user(uri), password(uri))
      .locations("classpath:db/migration").target(version).load().migrate();
  }

  private static String jdbcUrl(URI uri) {
    return "jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath();
  }

  private static String user(URI uri) {
    String info = uri.getUserInfo();
    return info == null ? "postgres" : info.split(":", 2)[0];
  }

  private static String password(URI uri) {
    String info = uri.getUserInfo();
    return info == null || !info.contains(":") ? null : info.split(":", 2)[1];
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable t) {
      return false;
    }
  }
}
