package io.daytona.webhooks.db;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded server of a data directory keeps what it acknowledged: zonky's test-oriented
 * defaults (no fsync, asynchronous commit) are overridden, and a second process attaches to the
 * running server instead of starting another.
 */
class EmbeddedDatabaseTest {

  @Test
  void commitsAreFlushedToDiskAndASecondProcessAttaches() throws Exception {
    Path data = Files.createTempDirectory("embedded-db");
    try (EmbeddedDatabase db = EmbeddedDatabase.startOrAttach(data)) {
      assertThat(db.owned()).isTrue();
      try (Connection c = DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + db.port() + "/" + db.database(), db.user(), null);
           Statement st = c.createStatement()) {
        assertThat(setting(st, "fsync")).isEqualTo("on");
        assertThat(setting(st, "synchronous_commit")).isEqualTo("on");
      }
      try (EmbeddedDatabase attached = EmbeddedDatabase.startOrAttach(data)) {
        assertThat(attached.owned()).isFalse();
        assertThat(attached.port()).isEqualTo(db.port());
      }
    }
  }

  private static String setting(Statement st, String name) throws Exception {
    try (ResultSet rs = st.executeQuery("SHOW " + name)) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }
}
