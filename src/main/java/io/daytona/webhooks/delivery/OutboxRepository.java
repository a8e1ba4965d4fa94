package io.daytona.webhooks.delivery;

import io.daytona.webhooks.db.Database;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The SQL of the event outbox ({@code event_outbox}) and of its per-organization cursors
 * ({@code outbox_cursors}, migration V22): inserting accepted events, claiming due rows for a dispatcher,
 * recording each outcome, pruning settled rows.
 *
 * <p>An accepted event is written once, by its insert. Handing rows to the provider does not update them:
 * their organization's cursor ({@code sent_up_to}) moves past them, once per batch; an organization is
 * leased as a whole (its cursor's {@code lease_until}), not row by row. A row is updated only when an
 * attempt at it fails or it is rejected. A row of an organization is sent when it is at or below the
 * cursor, or when the organization has no cursor: a cursor is removed once its organization has nothing
 * queued ({@link #CLOSE_IDLE_CURSORS}) and opened again by the organization's next insert (a trigger).
 * Rows become visible to any snapshot in their organization's id order (another trigger numbers them
 * under the organization's advisory lock), so a cursor never passes a row nobody has seen.
 *
 * <p>The statements that find rows of the outbox are planned with their arguments each time
 * ({@link Database#PLANNED_EACH_TIME}): the outbox's size swings too much for a cached plan.
 */
public final class OutboxRepository {

  /** One event to put into the outbox. {@code payload} is the raw JSON text sent to Svix. */
  public record NewEvent(String organizationId, String eventType, String eventId, String payload, String source) {
  }

  /** A claimed row. */
  public record Claimed(long id, String organizationId, String eventType, String eventId, String payload, int attempts,
                        OffsetDateTime createdAt, OffsetDateTime firstFailedAt) {
  }

  /**
   * Inserts a batch of events in one statement ($1..$5: organization ids, event types, event ids,
   * payloads, sources), their ids in the arrays' order, and records their organizations as seen
   * (sorted: concurrent commits lock them in the same order, so they cannot deadlock; the rows too are
   * inserted sorted by organization, then in the arrays' order, as each takes its organization's advisory
   * lock). Answers the
   * events that were new: an event whose organization already had its eventId, in the table or
   * earlier in the arrays, is skipped.
   */
  static final String INSERT_EVENTS = "WITH " + io.daytona.webhooks.initialization.Organizations.SEEN_BATCH_CTE + """

    INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source)
    SELECT organization_id, event_type, event_id, payload, source
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
           AS e(organization_id, event_type, event_id, payload, source, n)
     ORDER BY organization_id, n
    ON CONFLICT (organization_id, event_id) DO NOTHING
    RETURNING organization_id, event_id
    """;

  /**
   * Claims work for one dispatcher. An organization takes part when its lease is free and the oldest of its
   * queued rows (its head: the first PENDING row past its cursor) is due; then the organization is leased
   * ({@code lease_until}) and the head and its following queued rows (in id order, at most $4) are returned
   * together, so only the holder of the lease sends that organization's events and they reach the provider in
   * order. Cursors exist only for organizations with something queued (or recently so), and each head is one
   * probe of {@code event_outbox_org_pending}: a claim costs about the number of organizations with a backlog,
   * not the size of the backlog. Oldest due heads go first. Cursors are locked with SKIP LOCKED, so two
   * dispatchers never take one organization at once and never wait for each other. Organizations share the $2
   * rows in turns (each one's first row, then each one's second...), so no organization's chain is read past
   * its share; the rows taken in turns stop where their payloads would pass $5 bytes (the memory budget), so each
   * organization keeps a prefix of its chain; the first row is taken whatever its size.
   * $1 = most organizations, $2 = most rows in all, $3 = lease in milliseconds, $4 = most rows per
   * organization, $5 = most payload bytes in all.
   */
  static final String CLAIM = Database.PLANNED_EACH_TIME + """
    WITH heads AS (
      SELECT c.organization_id
        FROM outbox_cursors c
        CROSS JOIN LATERAL (
          SELECT hd.id, hd.next_attempt_at FROM event_outbox hd
           WHERE hd.organization_id = c.organization_id AND hd.status = 'PENDING' AND hd.id > c.sent_up_to
           ORDER BY hd.id LIMIT 1
        ) h
       WHERE c.lease_until <= now() AND h.next_attempt_at <= now()
       ORDER BY h.next_attempt_at, h.id
       LIMIT $1
    ), due AS (
      SELECT c.organization_id, c.sent_up_to
        FROM outbox_cursors c
       WHERE c.organization_id = ANY (ARRAY(SELECT organization_id FROM heads)) AND c.lease_until <= now()
         FOR UPDATE OF c SKIP LOCKED
    ), chain AS (
      SELECT x.id, x.rn, x.bytes, d.organization_id
        FROM due d
        CROSS JOIN LATERAL (
          SELECT ch.id, row_number() OVER (ORDER BY ch.id) AS rn, octet_length(ch.payload) AS bytes
            FROM event_outbox ch
           WHERE ch.organization_id = d.organization_id AND ch.status = 'PENDING' AND ch.id > d.sent_up_to
           ORDER BY ch.id
           LIMIT least($4, (SELECT ceil($2::numeric / greatest(count(*), 1)) FROM due))::int
        ) x
    ), turns AS (
      SELECT id, organization_id, bytes, row_number() OVER (ORDER BY rn, id) AS k FROM chain ORDER BY rn, id LIMIT $2
    ), picked AS (
      SELECT id, organization_id FROM (SELECT id, organization_id, k, sum(bytes) OVER (ORDER BY k) AS total FROM turns) x
       WHERE x.total <= $5 OR x.k = 1
    ), leased AS (
      UPDATE outbox_cursors c
         SET lease_until = now() + make_interval(secs => $3::float8 / 1000)
       WHERE c.organization_id IN (SELECT organization_id FROM picked)
    )
    SELECT e.id, e.organization_id, e.event_type, e.event_id, e.payload, e.attempts, e.created_at, e.first_failed_at
      FROM event_outbox e
     WHERE e.id = ANY (ARRAY(SELECT id FROM picked))
    """;

  /**
   * Moves cursors past rows handed to the provider, one statement for many organizations ($1 organizations,
   * $2 the highest id sent of each, $3 whether its chain has ended: its lease is then given back); answers the
   * database's clock (the latency of each row is measured against it).
   */
  static final String ADVANCE = """
    WITH moved AS (
      UPDATE outbox_cursors c
         SET sent_up_to = greatest(c.sent_up_to, u.up_to),
             lease_until = CASE WHEN u.release THEN least(c.lease_until, now()) ELSE c.lease_until END
        FROM (SELECT org, max(up_to) AS up_to, bool_or(release) AS release
                FROM unnest($1::text[], $2::int8[], $3::bool[]) AS x(org, up_to, release) GROUP BY org) u
       WHERE c.organization_id = u.org
    )
    SELECT now() AS at
    """;

  /**
   * Removes the cursors of organizations that have nothing queued and have not been claimed for a minute:
   * their rows all count as sent, and their next insert opens a cursor again. Run in one transaction after
   * {@link #LOCK_IDLE_CURSORS} took their organizations' insert locks (without waiting: an organization whose
   * insert is in flight is left for the next time), so that this statement's snapshot sees every row of them.
   * $1 = the organizations locked.
   */
  static final String CLOSE_IDLE_CURSORS = Database.PLANNED_EACH_TIME + """
    DELETE FROM outbox_cursors c
     WHERE c.organization_id = ANY ($1::text[]) AND c.lease_until < now() - interval '1 minute'
       AND NOT EXISTS (SELECT 1 FROM event_outbox e
                        WHERE e.organization_id = c.organization_id AND e.status = 'PENDING' AND e.id > c.sent_up_to)
    """;

  /**
   * The first key of an organization's insert lock (the second is {@code hashtext(organization_id)}): the trigger
   * {@code event_outbox_number_in_commit_order} of migration V22 takes it with this literal value.
   */
  static final int INSERT_LOCK_KEY = 726554;

  /** The organizations whose cursors {@link #CLOSE_IDLE_CURSORS} may remove, their insert locks taken if free. */
  static final String LOCK_IDLE_CURSORS = """
    SELECT organization_id FROM (
      SELECT organization_id FROM outbox_cursors WHERE lease_until < now() - interval '1 minute'
       ORDER BY organization_id LIMIT 1000) c
     WHERE pg_try_advisory_xact_lock(%d, hashtext(organization_id))
    """.formatted(INSERT_LOCK_KEY);

  /** Each row's state as the API names it ({@code queued}, {@code sent}, {@code rejected}); see migration V22. */
  static final String STATE = """
    CASE WHEN e.status = 'FAILED' THEN 'rejected'
         WHEN e.status = 'SENT' OR c.organization_id IS NULL OR e.id <= c.sent_up_to THEN 'sent'
         ELSE 'queued' END""";

  private final Pool pool;
  private final Pool bookkeeping;

  /**
   * Accepted events are inserted through the database's pool, whose commits wait for the disk. The
   * dispatcher's own bookkeeping (claims and their leases, SENT, retries, failures) goes through
   * {@link Database#bookkeepingPool()}, whose commits do not: losing one in a crash of PostgreSQL
   * only repeats work (a lease or a retry lost makes the row due again; a SENT lost sends the
   * message again, and Svix answers 409 for its eventId, which counts as sent).
   */
  public OutboxRepository(Database database) {
    this.pool = database.pool();
    this.bookkeeping = database.bookkeepingPool();
  }

  /**
   * Inserts the events in one statement (organizations recorded as seen in it too); answers,
   * for each event in order, true when it was new and false when the organization already had
   * that eventId.
   */
  public Future<List<Boolean>> insert(List<NewEvent> events) {
    int n = events.size();
    String[] orgs = new String[n];
    String[] types = new String[n];
    String[] eventIds = new String[n];
    String[] payloads = new String[n];
    String[] sources = new String[n];
    for (int i = 0; i < n; i++) {
      NewEvent e = events.get(i);
      orgs[i] = e.organizationId();
      types[i] = e.eventType();
      eventIds[i] = e.eventId();
      payloads[i] = e.payload();
      sources[i] = e.source();
    }
    return pool.preparedQuery(INSERT_EVENTS).execute(Tuple.of(orgs, types, eventIds, payloads, sources))
      .map(rs -> {
        Set<List<String>> inserted = new HashSet<>();
        rs.forEach(r -> inserted.add(List.of(r.getString(0), r.getString(1))));
        List<Boolean> out = new ArrayList<>(n);
        for (NewEvent e : events) {
          // an eventId given twice in the batch: only its first occurrence was inserted
          out.add(inserted.remove(List.of(e.organizationId(), e.eventId())));
        }
        return out;
      });
  }

  /**
   * The state ({@code queued}, {@code sent} or {@code rejected}, as {@code state}) and event type of an
   * organization's event, or null when there is none.
   */
  public Future<Row> find(String organizationId, String eventId) {
    return pool.preparedQuery(Database.PLANNED_EACH_TIME + "SELECT " + STATE + " AS state, e.event_type "
        + "FROM event_outbox e LEFT JOIN outbox_cursors c ON c.organization_id = e.organization_id "
        + "WHERE e.organization_id = $1 AND e.event_id = $2")
      .execute(Tuple.of(organizationId, eventId))
      .map(rs -> rs.iterator().hasNext() ? rs.iterator().next() : null);
  }

  /** An organization's row as {@code GET /organizations/{org}/events} shows it (PENDING: queued, or FAILED). */
  public record Listed(long id, String eventId, String eventType, String status, String lastError, int attempts,
                       OffsetDateTime nextAttemptAt, OffsetDateTime createdAt) {
  }

  private static final String LISTED_COLUMNS =
    "id, event_id, event_type, status, last_error, attempts, next_attempt_at, created_at";

  /**
   * One branch per status, each read newest first from its own partial index on (organization, id)
   * ({@code event_outbox_org_pending}, {@code event_outbox_org_failed}), merged: $1 organization, $2 only ids
   * below it, $3 rows. Queued rows are those past the organization's cursor (none without a cursor).
   */
  private static String listBranch(String status) {
    String queued = "PENDING".equals(status)
      ? " AND id > coalesce((SELECT sent_up_to FROM outbox_cursors WHERE organization_id = $1), 9223372036854775807)"
      : "";
    return "(SELECT " + LISTED_COLUMNS + " FROM event_outbox WHERE organization_id = $1 AND status = '" + status
      + "'" + queued + " AND id < $2 ORDER BY id DESC LIMIT $3)";
  }

  /**
   * An organization's rows not (yet) handed to the provider, newest first: at most {@code limit} with ids below
   * {@code beforeId} (null: from the newest), of one status ({@code PENDING}: queued, or {@code FAILED}; null: both).
   */
  public Future<List<Listed>> listUnsent(String organizationId, String status, Long beforeId, int limit) {
    String sql = status != null ? listBranch(status)
      : listBranch("PENDING") + " UNION ALL " + listBranch("FAILED") + " ORDER BY id DESC LIMIT $3";
    return pool.preparedQuery(Database.PLANNED_EACH_TIME + sql)
      .execute(Tuple.of(organizationId, beforeId == null ? Long.MAX_VALUE : beforeId, limit))
      .map(rs -> {
        List<Listed> out = new ArrayList<>();
        rs.forEach(r -> out.add(listed(r)));
        return out;
      });
  }

  /**
   * Queues a FAILED row again, due at once (its reason and failing-since cleared, its attempts and acceptance time
   * kept); answers the row as it is now, or null when the organization has no FAILED row with this eventId. The
   * row is taken out and inserted again, so it gets a new id past the organization's cursor: it goes after the
   * organization's queued events.
   */
  public Future<Listed> requeue(String organizationId, String eventId) {
    return pool.preparedQuery(Database.PLANNED_EACH_TIME + """
        WITH gone AS (
          DELETE FROM event_outbox WHERE organization_id = $1 AND event_id = $2 AND status = 'FAILED'
          RETURNING organization_id, event_type, event_id, payload, source, attempts, created_at
        )
        INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source, attempts, created_at)
        SELECT organization_id, event_type, event_id, payload, source, attempts, created_at FROM gone
        RETURNING """ + " " + LISTED_COLUMNS)
      .execute(Tuple.of(organizationId, eventId))
      .map(rs -> rs.iterator().hasNext() ? listed(rs.iterator().next()) : null);
  }

  private static Listed listed(Row r) {
    return new Listed(r.getLong("id"), r.getString("event_id"), r.getString("event_type"), r.getString("status"),
      r.getString("last_error"), r.getInteger("attempts"), r.getOffsetDateTime("next_attempt_at"),
      r.getOffsetDateTime("created_at"));
  }

  /** Claims due rows; see {@link #CLAIM}. */
  public Future<List<Claimed>> claim(int maxOrganizations, int maxRows, long leaseMillis, int maxRowsPerOrganization,
                                     long maxBytes) {
    return bookkeeping.preparedQuery(CLAIM)
      .execute(Tuple.of(maxOrganizations, maxRows, leaseMillis, maxRowsPerOrganization, maxBytes))
      .map(rs -> {
      List<Claimed> out = new ArrayList<>();
      for (Row r : rs) {
        out.add(new Claimed(r.getLong("id"), r.getString("organization_id"), r.getString("event_type"),
          r.getString("event_id"), r.getString("payload"), r.getInteger("attempts"),
          r.getOffsetDateTime("created_at"), r.getOffsetDateTime("first_failed_at")));
      }
      out.sort((a, b) -> Long.compare(a.id(), b.id()));
      return out;
    });
  }

  /**
   * Moves the organizations' cursors up to the rows sent (organizations, highest ids sent, whether to give the
   * lease back: same length); answers the database's clock at that moment.
   */
  public Future<OffsetDateTime> advance(String[] organizations, Long[] upTo, Boolean[] release) {
    return bookkeeping.preparedQuery(ADVANCE).execute(Tuple.of(organizations, upTo, release))
      .map(rs -> rs.iterator().next().getOffsetDateTime("at"));
  }

  /**
   * Schedules another attempt at a row in {@code delayMillis} ({@code firstFailedAt}: since when it has been
   * failing) and gives its organization's lease back: the row, its head, holds the organization until then.
   */
  public Future<Void> markRetry(Claimed row, long delayMillis, String error, OffsetDateTime firstFailedAt) {
    return bookkeeping.preparedQuery(Database.PLANNED_EACH_TIME + """
        WITH r AS (
          UPDATE event_outbox SET attempts = attempts + 1, last_error = $3, first_failed_at = $4,
                 next_attempt_at = now() + make_interval(secs => $2::float8 / 1000)
           WHERE id = $1 AND status = 'PENDING'
        )
        UPDATE outbox_cursors SET lease_until = least(lease_until, now()) WHERE organization_id = $5
        """)
      .execute(Tuple.of(row.id(), delayMillis, error, firstFailedAt, row.organizationId()))
      .mapEmpty();
  }

  /** Renews an organization's lease (its chain still runs). */
  public Future<Void> renew(String organizationId, long leaseMillis) {
    return release(List.of(organizationId), leaseMillis);
  }

  /** Gives up on a row (the provider rejected it for good); its organization's later rows go on. */
  public Future<Void> markFailed(long id, String error) {
    return bookkeeping.preparedQuery(Database.PLANNED_EACH_TIME
        + "UPDATE event_outbox SET status = 'FAILED', attempts = attempts + 1, last_error = $2 "
        + "WHERE id = $1 AND status = 'PENDING'")
      .execute(Tuple.of(id, error))
      .mapEmpty();
  }

  /** Sets the organizations' leases to end in {@code delayMillis} (0: hands them back, e.g. the dispatcher stops). */
  public Future<Void> release(java.util.Collection<String> organizations, long delayMillis) {
    if (organizations.isEmpty()) {
      return Future.succeededFuture();
    }
    return bookkeeping.preparedQuery(
        "UPDATE outbox_cursors SET lease_until = now() + make_interval(secs => $2::float8 / 1000) "
        + "WHERE organization_id = ANY($1)")
      .execute(Tuple.of(organizations.toArray(new String[0]), delayMillis))
      .mapEmpty();
  }

  /**
   * Removes the cursors of organizations with nothing queued and unclaimed for a minute (see
   * {@link #CLOSE_IDLE_CURSORS}); answers how many. Through the database's pool: a removal must not outlive a lost
   * advance of the same cursor, and commits there wait for the disk (so everything written before them is kept).
   */
  public Future<Integer> closeIdleCursors() {
    return pool.withTransaction(conn -> conn.query(LOCK_IDLE_CURSORS).execute()
      .compose(locked -> {
        List<String> orgs = new ArrayList<>();
        locked.forEach(r -> orgs.add(r.getString(0)));
        return orgs.isEmpty() ? Future.succeededFuture(0)
          : conn.preparedQuery(CLOSE_IDLE_CURSORS).execute(Tuple.of(orgs.toArray(new String[0]))).map(RowSet::rowCount);
      }));
  }

  /**
   * Deletes up to {@code limit} sent rows accepted more than the retention ago; answers how many. Ids grow with
   * acceptance time, so the rows older than the retention are those below the first id accepted since.
   */
  public Future<Integer> pruneSent(int retentionHours, int limit) {
    return pool.preparedQuery(Database.PLANNED_EACH_TIME + """
        DELETE FROM event_outbox WHERE id IN (
          SELECT e.id FROM event_outbox e LEFT JOIN outbox_cursors c ON c.organization_id = e.organization_id
           WHERE e.id < coalesce((SELECT id FROM event_outbox WHERE created_at >= now() - make_interval(hours => $1)
                                   ORDER BY id LIMIT 1), 9223372036854775807)
             AND e.status <> 'FAILED' AND (e.status = 'SENT' OR c.organization_id IS NULL OR e.id <= c.sent_up_to)
           ORDER BY e.id LIMIT $2)
        """)
      .execute(Tuple.of(retentionHours, limit))
      .map(RowSet::rowCount);
  }

  /** Deletes up to {@code limit} rejected (FAILED) rows accepted more than {@code days} ago; answers how many. */
  public Future<Integer> pruneRejected(int days, int limit) {
    return pool.preparedQuery(Database.PLANNED_EACH_TIME
        + "DELETE FROM event_outbox WHERE id IN (SELECT id FROM event_outbox "
        + "WHERE status = 'FAILED' AND created_at < now() - make_interval(days => $1) LIMIT $2)")
      .execute(Tuple.of(days, limit))
      .map(RowSet::rowCount);
  }

  /** Deletes up to {@code limit} dead letters older than {@code days}; answers how many. */
  public Future<Integer> pruneDeadLetters(int days, int limit) {
    return pool.preparedQuery("DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters "
        + "WHERE received_at < now() - make_interval(days => $1) LIMIT $2)")
      .execute(Tuple.of(days, limit))
      .map(RowSet::rowCount);
  }
}
