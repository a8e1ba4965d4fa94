package io.daytona.webhooks.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The embedded PostgreSQL of a data directory. One server runs per directory: a process that
 * finds it already running (the service, or {@code create-api-key} while the service runs)
 * attaches to it; otherwise it starts one and owns it (stops it on close).
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final String USER = "postgres";
  private static final String DB = "postgres";

  private final int port;
  private final EmbeddedPostgres owned;

  private EmbeddedDatabase(int port, EmbeddedPostgres owned) {
    this.port = port;
    this.owned = owned;
  }

  /** Blocking: attaches to the running server of {@code dataDir}, or starts one. */
  public static EmbeddedDatabase startOrAttach(Path dataDir) throws IOException {
    Path pgDir = dataDir.resolve("postgres");
    Files.createDirectories(dataDir);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      Optional<Integer> running = runningPort(pgDir);
      if (running.isPresent()) {
        LOG.info("Attached to the embedded PostgreSQL already running for {} (port {})", pgDir, running.get());
        return new EmbeddedDatabase(running.get(), null);
      }
      try {
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setDataDirectory(pgDir)
          .setCleanDataDirectory(false)
          .setRegisterShutdownHook(false)
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("max_connections", "200")
          // zonky's defaults (fsync off, synchronous_commit off) suit throwaway test servers; here they
          // would lose acknowledged events when the server or the machine crashes
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setPGStartupWait(Duration.ofSeconds(30))
          .start();
        LOG.info("Started embedded PostgreSQL for {} on 127.0.0.1:{}", pgDir, pg.getPort());
        return new EmbeddedDatabase(pg.getPort(), pg);
      } catch (IllegalStateException | IOException e) {
        // Another process is starting the server of this directory right now: attach once it runs.
        if (System.nanoTime() > deadline) {
          throw new IOException("embedded PostgreSQL in " + pgDir + " could not be started or reached: "
            + e.getMessage(), e);
        }
        LOG.debug("Embedded PostgreSQL busy ({}), retrying", e.getMessage());
        try {
          Thread.sleep(500);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", ie);
        }
      }
    }
  }

  /** The port of the server running on {@code pgDir}, read from its postmaster.pid, when it answers. */
  static Optional<Integer> runningPort(Path pgDir) {
    Path pid = pgDir.resolve("postmaster.pid");
    if (!Files.isReadable(pid)) {
      return Optional.empty();
    }
    try {
      List<String> lines = Files.readAllLines(pid);
      if (lines.size() < 4) {
        return Optional.empty();
      }
      int port = Integer.parseInt(lines.get(3).trim());
      try (Connection c = DriverManager.getConnection(jdbcUrl(port), USER, null)) {
        return c.isValid(2) ? Optional.of(port) : Optional.empty();
      }
    } catch (IOException | NumberFormatException | SQLException e) {
      return Optional.empty();
    }
  }

  static String jdbcUrl(int port) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DB + "?connectTimeout=5";
  }

  public int port() {
    return port;
  }

  public String user() {
    return USER;
  }

  public String database() {
    return DB;
  }

  /** True when this process started the server (and so stops it). */
  public boolean owned() {
    return owned != null;
  }

  @Override
  public void close() throws IOException {
    if (owned != null) {
      owned.close();
    }
  }
}
