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
 * The SQL of the event outbox ({@code event_outbox}): inserting accepted events, claiming due rows
 * for a dispatcher, recording each outcome, pruning sent rows.
 *
 * <p>Statements that reach rows by id say {@code status NOT IN ('SENT', 'FAILED')} where they mean
 * {@code status = 'PENDING'} (the same rows, by the table's CHECK constraint). The planner cannot
 * use the partial indexes on pending rows for it, so it looks the rows up by primary key whatever
 * the statistics say. A queue's statistics are often stale (analyzed while nothing was pending, a
 * burst arriving before the next analyze); with {@code status = 'PENDING'} the planner then read
 * every pending row for each batch recorded as sent, and for each row a claim leased: the cost grew
 * with the backlog (under EXPLAIN ANALYZE a claim of 500 rows over a 5,000-row backlog took 0.76 s;
 * in a benchmark one claim compared 29,230 rows to lease 190; see OutboxPlansTest).
 * The statements that find rows of the outbox are also planned with their arguments each time
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
   * (sorted: concurrent commits lock them in the same order, so they cannot deadlock). Answers the
   * events that were new: an event whose organization already had its eventId, in the table or
   * earlier in the arrays, is skipped.
   */
  static final String INSERT_EVENTS = "WITH " + io.daytona.webhooks.initialization.Organizations.SEEN_BATCH_CTE + """

    INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source)
    SELECT organization_id, event_type, event_id, payload, source
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
           AS e(organization_id, event_type, event_id, payload, source, n)
     ORDER BY n
    ON CONFLICT (organization_id, event_id) DO NOTHING
    RETURNING organization_id, event_id
    """;

  /**
   * Claims work for one dispatcher. An organization takes part only when its oldest PENDING row
   * (its head) is due and not locked by another claimer; then the head and the following pending
   * rows of that organization (in id order, at most $4) are leased together, so only the holder of
   * the head sends that organization's events and they reach Svix in order. The organizations with
   * pending rows are found by a skip scan of the partial index {@code event_outbox_org_pending}
   * (one probe per organization) and each head by one more probe, so a claim costs about the number
   * of organizations with a backlog, not the size of the backlog. Oldest due heads go first. The
   * heads are locked by primary key ({@code id = ANY(ARRAY(...))}, evaluated once): a plain
   * {@code IN (heads)} let the planner walk the whole due index instead, probing every pending row
   * of a large backlog on every claim. Organizations share the $2 rows in turns (each one's first
   * row, then each one's second...), so no organization's chain is read past its share: with 100
   * organizations 50 rows deep, reading each one's whole chain to lease 5 of its rows made a
   * 500-row claim take 13 ms instead of 9 (EXPLAIN ANALYZE).
   * The rows taken in turns stop where their payloads would pass $5 bytes (the memory budget), so each
   * organization keeps a prefix of its chain; the first row is taken whatever its size.
   * $1 = most organizations, $2 = most rows in all, $3 = lease in milliseconds, $4 = most rows per
   * organization, $5 = most payload bytes in all.
   */
  static final String CLAIM = Database.PLANNED_EACH_TIME + """
    WITH RECURSIVE orgs(org) AS (
      (SELECT organization_id FROM event_outbox WHERE status = 'PENDING' ORDER BY organization_id LIMIT 1)
      UNION ALL
      SELECT (SELECT e.organization_id FROM event_outbox e
               WHERE e.status = 'PENDING' AND e.organization_id > orgs.org
               ORDER BY e.organization_id LIMIT 1)
        FROM orgs
       WHERE orgs.org IS NOT NULL
    ), heads AS (
      SELECT h.id
        FROM orgs
        CROSS JOIN LATERAL (
          SELECT e.id, e.next_attempt_at FROM event_outbox e
           WHERE e.organization_id = orgs.org AND e.status = 'PENDING'
           ORDER BY e.id LIMIT 1
        ) h
       WHERE orgs.org IS NOT NULL AND h.next_attempt_at <= now()
       ORDER BY h.next_attempt_at, h.id
       LIMIT $1
    ), due AS (
      SELECT o.id, o.organization_id
        FROM event_outbox o
       WHERE o.id = ANY (ARRAY(SELECT id FROM heads)) AND o.status NOT IN ('SENT', 'FAILED')
         AND o.next_attempt_at <= now()
         FOR UPDATE OF o SKIP LOCKED
    ), chain AS (
      SELECT c.id, c.rn, c.bytes
        FROM due d
        CROSS JOIN LATERAL (
          SELECT e.id, row_number() OVER (ORDER BY e.id) AS rn, octet_length(e.payload) AS bytes
            FROM event_outbox e
           WHERE e.organization_id = d.organization_id AND e.status = 'PENDING' AND e.id >= d.id
           ORDER BY e.id
           LIMIT least($4, (SELECT ceil($2::numeric / greatest(count(*), 1)) FROM due))::int
        ) c
    ), turns AS (
      SELECT id, bytes, row_number() OVER (ORDER BY rn, id) AS k FROM chain ORDER BY rn, id LIMIT $2
    ), picked AS (
      SELECT id FROM (SELECT id, k, sum(bytes) OVER (ORDER BY k) AS total FROM turns) x
       WHERE x.total <= $5 OR x.k = 1
    )
    UPDATE event_outbox t
       SET next_attempt_at = now() + make_interval(secs => $3::float8 / 1000)
      FROM picked p
     WHERE t.id = p.id AND t.status NOT IN ('SENT', 'FAILED')
    RETURNING t.id, t.organization_id, t.event_type, t.event_id, t.payload, t.attempts, t.created_at, t.first_failed_at
    """;

  /** Marks many rows sent in one statement; answers each row's seconds from acceptance to now. */
  static final String MARK_SENT = Database.PLANNED_EACH_TIME + """
    UPDATE event_outbox t
       SET status = 'SENT', sent_at = now(), svix_message_id = u.message_id, attempts = t.attempts + 1,
           last_error = u.note
      FROM unnest($1::int8[], $2::text[], $3::text[]) AS u(id, message_id, note)
     WHERE t.id = u.id AND t.status NOT IN ('SENT', 'FAILED')
    RETURNING t.id, extract(epoch FROM now() - t.created_at)::float8 AS latency
    """;

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

  /** The status and event type of an organization's event, or null when there is none. */
  public Future<Row> find(String organizationId, String eventId) {
    return pool.preparedQuery(Database.PLANNED_EACH_TIME
        + "SELECT status, event_type FROM event_outbox WHERE organization_id = $1 AND event_id = $2")
      .execute(Tuple.of(organizationId, eventId))
      .map(rs -> rs.iterator().hasNext() ? rs.iterator().next() : null);
  }

  /** An organization's row as {@code GET /organizations/{org}/events} shows it (PENDING or FAILED). */
  public record Listed(long id, String eventId, String eventType, String status, String lastError, int attempts,
                       OffsetDateTime nextAttemptAt, OffsetDateTime createdAt) {
  }

  private static final String LISTED_COLUMNS =
    "id, event_id, event_type, status, last_error, attempts, next_attempt_at, created_at";

  /**
   * One branch per status, each read newest first from its own partial index on (organization, id)
   * ({@code event_outbox_org_pending}, {@code event_outbox_org_failed}), merged: $1 organization, $2 only ids
   * below it, $3 rows.
   */
  private static String listBranch(String status) {
    return "(SELECT " + LISTED_COLUMNS + " FROM event_outbox WHERE organization_id = $1 AND status = '" + status
      + "' AND id < $2 ORDER BY id DESC LIMIT $3)";
  }

  /**
   * An organization's rows not (yet) handed to the provider, newest first: at most {@code limit} with ids below
   * {@code beforeId} (null: from the newest), of one status ({@code PENDING} or {@code FAILED}; null: both).
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
   * Queues a FAILED row again, due at once (its reason and failing-since cleared, its attempts kept); answers the
   * row as it is now, or null when the organization has no FAILED row with this eventId.
   */
  public Future<Listed> requeue(String organizationId, String eventId) {
    return pool.preparedQuery(Database.PLANNED_EACH_TIME
        + "UPDATE event_outbox SET status = 'PENDING', next_attempt_at = now(), last_error = NULL, first_failed_at = NULL "
        + "WHERE organization_id = $1 AND event_id = $2 AND status = 'FAILED' RETURNING " + LISTED_COLUMNS)
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

  /** Marks rows sent (ids, Svix message ids, notes: same length); answers row id → seconds since acceptance. */
  public Future<java.util.Map<Long, Double>> markSent(Long[] ids, String[] svixMessageIds, String[] notes) {
    return bookkeeping.preparedQuery(MARK_SENT).execute(Tuple.of(ids, svixMessageIds, notes))
      .map(rs -> {
        java.util.Map<Long, Double> out = new java.util.HashMap<>();
        rs.forEach(r -> out.put(r.getLong("id"), r.getDouble("latency")));
        return out;
      });
  }

  /** Schedules another attempt in {@code delayMillis}; {@code firstFailedAt}: since when the row has been failing. */
  public Future<Void> markRetry(long id, long delayMillis, String error, OffsetDateTime firstFailedAt) {
    return bookkeeping.preparedQuery(Database.PLANNED_EACH_TIME
        + "UPDATE event_outbox SET attempts = attempts + 1, last_error = $3, first_failed_at = $4, "
        + "next_attempt_at = now() + make_interval(secs => $2::float8 / 1000) "
        + "WHERE id = $1 AND status NOT IN ('SENT', 'FAILED')")
      .execute(Tuple.of(id, delayMillis, error, firstFailedAt))
      .mapEmpty();
  }

  /** Renews the lease of rows a chain still holds (claimed, not yet recorded). */
  public Future<Void> renew(List<Long> ids, long leaseMillis) {
    return release(ids, leaseMillis);
  }

  /** Gives up on a row (Svix rejected it for good). */
  public Future<Void> markFailed(long id, String error) {
    return bookkeeping.preparedQuery(Database.PLANNED_EACH_TIME
        + "UPDATE event_outbox SET status = 'FAILED', attempts = attempts + 1, last_error = $2 "
        + "WHERE id = $1 AND status NOT IN ('SENT', 'FAILED')")
      .execute(Tuple.of(id, error))
      .mapEmpty();
  }

  /** Hands rows back without counting an attempt (e.g. the dispatcher stops), due in {@code delayMillis}. */
  public Future<Void> release(List<Long> ids, long delayMillis) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return bookkeeping.preparedQuery(Database.PLANNED_EACH_TIME
        + "UPDATE event_outbox SET next_attempt_at = now() + make_interval(secs => $2::float8 / 1000) "
        + "WHERE id = ANY($1) AND status NOT IN ('SENT', 'FAILED')")
      .execute(Tuple.of(ids.toArray(new Long[0]), delayMillis))
      .mapEmpty();
  }

  /** Deletes up to {@code limit} SENT rows older than the retention; answers how many. */
  public Future<Integer> pruneSent(int retentionHours, int limit) {
    return pool.preparedQuery(Database.PLANNED_EACH_TIME
        + "DELETE FROM event_outbox WHERE id IN (SELECT id FROM event_outbox "
        + "WHERE status = 'SENT' AND sent_at < now() - make_interval(hours => $1) LIMIT $2)")
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
