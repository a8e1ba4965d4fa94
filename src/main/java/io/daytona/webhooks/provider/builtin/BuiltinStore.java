package io.daytona.webhooks.provider.builtin;

import io.daytona.webhooks.db.GroupCommit;
import io.daytona.webhooks.provider.Attempt;
import io.daytona.webhooks.provider.AttemptQuery;
import io.daytona.webhooks.provider.Endpoint;
import io.daytona.webhooks.provider.EndpointPatch;
import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.provider.Message;
import io.daytona.webhooks.provider.MessageQuery;
import io.daytona.webhooks.provider.Page;
import io.daytona.webhooks.provider.PageRequest;
import io.daytona.webhooks.provider.ProviderFailure;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The built-in provider's tables ({@code V13__builtin_delivery.sql}): every statement it runs. Listings page
 * on the tables' {@code seq} (the iterator is the last item's seq); an endpoint is found by id or uid, a
 * message by id or eventId, always within one organization (another organization's ids are NOT_FOUND).
 */
final class BuiltinStore {

  /** A delivery claimed for one attempt: the message, the endpoint's URL and the secrets that sign now. */
  record Due(long deliveryId, String organizationId, String messageId, String eventId, String eventType, String payload,
             Instant messageCreatedAt, String endpointId, String url, String secret, String previousSecret,
             int attemptsBefore, boolean retries, Attempt.Trigger trigger) {

    Message message() {
      return new Message(messageId, eventId, eventType, payload, messageCreatedAt);
    }
  }

  private static final String ENDPOINT_COLUMNS =
    "id, uid, url, description, event_types, disabled, created_at, updated_at";
  private static final String ATTEMPT_COLUMNS =
    "id, seq, message_id, endpoint_id, url, status, response_status_code, response, duration_ms, trigger, created_at";

  private final Pool pool;
  /**
   * The delivery queue's own statements (message creation from the outbox, claims, attempts recorded): on the
   * pool whose commits do not wait for the disk. PostgreSQL's log is written in order, so a commit that survives
   * a crash (the outbox marking its row sent) implies that every earlier one (the message) survived too; a lost
   * attempt record means the attempt is made again, with the same webhook-id.
   */
  private final Pool queue;

  /** Most messages (of up to MAX_PAYLOAD_BYTES each) or attempts written by one statement. */
  private static final int MAX_BATCH = 100;
  /** Attempts a batch of messages asks room for, per message, to claim its deliveries as it is stored. */
  private static final int ROOM_PER_MESSAGE = 4;
  /** Payload (or response) bytes one statement carries at most: its parameters are encoded in one buffer. */
  private static final long MAX_BATCH_BYTES = 4L * 1024 * 1024;

  private record NewMessage(String id, String organizationId, String eventId, String eventType, String payload) {
  }

  private record Success(Due due, String owner, Attempt attempt) {
  }

  /**
   * This node's worker, to which the deliveries claimed as their messages are stored go: {@link #reserve} before
   * the statement, {@link #handOff} after it (on the worker's context both).
   */
  interface Handoff {

    /** Room taken for attempts claimed by one statement: as many as {@code attempts}, none when 0. */
    record Room(int attempts, String owner, int perEndpoint, Duration lease) {
      static final Room NONE = new Room(0, "", 0, Duration.ZERO);
    }

    /** Takes up to {@code wanted} of the room this node has for attempts now (until {@link #handOff}). */
    Future<Room> reserve(int wanted);

    /**
     * Gives the room back, with what the statement claimed in it (empty when it failed); whether it left
     * deliveries pending that a claim could take now (or may have: it failed); and the endpoints whose deliveries
     * stay pending because they are at their limit: an attempt to one of them ending frees it a slot.
     */
    void handOff(Room room, List<Due> claimed, boolean backlog, List<String> waiting);
  }

  private static final Handoff NO_HANDOFF = new Handoff() {
    @Override
    public Future<Room> reserve(int wanted) {
      return Future.succeededFuture(Room.NONE);
    }

    @Override
    public void handOff(Room room, List<Due> claimed, boolean backlog, List<String> waiting) {
    }
  };

  private volatile Handoff handoff = NO_HANDOFF;

  /** Messages from the outbox, several per statement when they come at once. */
  private final GroupCommit<NewMessage, Instant> messages;
  /** Successful attempts, several per statement when they end at once. */
  private final GroupCommit<Success, Void> successes;

  BuiltinStore(Pool pool, Pool queue) {
    this.pool = pool;
    this.queue = queue;
    this.messages = new GroupCommit<>(MAX_BATCH, MAX_BATCH_BYTES, m -> m.payload().length(), this::storeMessages);
    this.successes = new GroupCommit<>(MAX_BATCH, MAX_BATCH_BYTES, s -> s.attempt().response().length(),
      this::recordSuccesses);
  }

  /** From now on, deliveries of stored messages are claimed for {@code worker} when it has room. */
  void handOffTo(Handoff worker) {
    this.handoff = worker;
  }

  // ---------------------------------------------------------------- endpoints

  Future<Endpoint> createEndpoint(String organizationId, EndpointSpec spec, String secret) {
    return pool.preparedQuery("INSERT INTO builtin_endpoints (id, organization_id, uid, url, description, event_types, "
        + "disabled, secret) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (organization_id, uid) DO NOTHING "
        + "RETURNING " + ENDPOINT_COLUMNS)
      .execute(Tuple.of(Secrets.id("ep_"), organizationId, spec.uid(), spec.url(), spec.description(),
        spec.eventTypes().toArray(new String[0]), spec.disabled(), secret))
      .compose(rows -> rows.size() == 0
        ? Future.failedFuture(ProviderFailure.of(ProviderFailure.Kind.DUPLICATE,
          "this organization has an endpoint with uid " + spec.uid() + " already"))
        : Future.succeededFuture(endpoint(rows.iterator().next())));
  }

  Future<Endpoint> getEndpoint(String organizationId, String endpointId) {
    return one(pool.preparedQuery("SELECT " + ENDPOINT_COLUMNS + " FROM builtin_endpoints WHERE organization_id = $1 "
        + "AND (id = $2 OR uid = $2) ORDER BY (id = $2) DESC LIMIT 1").execute(Tuple.of(organizationId, endpointId)),
      BuiltinStore::endpoint, "endpoint " + endpointId);
  }

  Future<Page<Endpoint>> listEndpoints(String organizationId, PageRequest page) {
    long after;
    try {
      after = page.iterator() == null ? 0 : seq(page.iterator());
    } catch (ProviderFailure f) {
      return Future.failedFuture(f);
    }
    return pool.preparedQuery("SELECT seq, " + ENDPOINT_COLUMNS + " FROM builtin_endpoints WHERE organization_id = $1 "
        + "AND seq > $2 ORDER BY seq LIMIT $3").execute(Tuple.of(organizationId, after, page.limit() + 1))
      .map(rows -> page(rows, page.limit(), BuiltinStore::endpoint));
  }

  Future<Endpoint> updateEndpoint(String organizationId, String endpointId, EndpointSpec spec) {
    return one(pool.preparedQuery("UPDATE builtin_endpoints SET uid = $3, url = $4, description = $5, event_types = $6, "
        + "disabled = $7, disabled_reason = CASE WHEN $7 THEN disabled_reason END, "
        + "failing_since = CASE WHEN $7 THEN failing_since END, updated_at = now() "
        + "WHERE id = (SELECT id FROM builtin_endpoints WHERE organization_id = $1 AND (id = $2 OR uid = $2) "
        + "ORDER BY (id = $2) DESC LIMIT 1) RETURNING " + ENDPOINT_COLUMNS)
      .execute(Tuple.of(organizationId, endpointId, spec.uid(), spec.url(), spec.description(),
        spec.eventTypes().toArray(new String[0]), spec.disabled())), BuiltinStore::endpoint, "endpoint " + endpointId);
  }

  Future<Endpoint> patchEndpoint(String organizationId, String endpointId, EndpointPatch patch) {
    return one(pool.preparedQuery("UPDATE builtin_endpoints SET url = coalesce($3, url), "
        + "description = coalesce($4, description), event_types = CASE WHEN $5 THEN $6 ELSE event_types END, "
        + "disabled = coalesce($7, disabled), "
        + "disabled_reason = CASE WHEN coalesce($7, disabled) THEN disabled_reason END, "
        + "failing_since = CASE WHEN $7 = false THEN NULL ELSE failing_since END, updated_at = now() "
        + "WHERE id = (SELECT id FROM builtin_endpoints WHERE organization_id = $1 AND (id = $2 OR uid = $2) "
        + "ORDER BY (id = $2) DESC LIMIT 1) RETURNING " + ENDPOINT_COLUMNS)
      .execute(Tuple.of(organizationId, endpointId, patch.url(), patch.description(), patch.eventTypesSet(),
        patch.eventTypes().toArray(new String[0]), patch.disabled())), BuiltinStore::endpoint, "endpoint " + endpointId);
  }

  Future<Void> deleteEndpoint(String organizationId, String endpointId) {
    return one(pool.preparedQuery("DELETE FROM builtin_endpoints WHERE id = (SELECT id FROM builtin_endpoints "
        + "WHERE organization_id = $1 AND (id = $2 OR uid = $2) ORDER BY (id = $2) DESC LIMIT 1) RETURNING id")
      .execute(Tuple.of(organizationId, endpointId)), row -> row.getString(0), "endpoint " + endpointId).mapEmpty();
  }

  Future<String> secret(String organizationId, String endpointId) {
    return one(pool.preparedQuery("SELECT secret FROM builtin_endpoints WHERE organization_id = $1 "
        + "AND (id = $2 OR uid = $2) ORDER BY (id = $2) DESC LIMIT 1").execute(Tuple.of(organizationId, endpointId)),
      row -> row.getString(0), "endpoint " + endpointId);
  }

  /** The current secret becomes the previous one, signing alongside {@code secret} for {@code overlap}. */
  Future<Void> rotate(String organizationId, String endpointId, String secret, Duration overlap) {
    return one(pool.preparedQuery("UPDATE builtin_endpoints SET previous_secret = secret, secret = $3, "
        + "previous_secret_until = now() + make_interval(secs => $4), updated_at = now() "
        + "WHERE id = (SELECT id FROM builtin_endpoints WHERE organization_id = $1 AND (id = $2 OR uid = $2) "
        + "ORDER BY (id = $2) DESC LIMIT 1) RETURNING id")
      .execute(Tuple.of(organizationId, endpointId, secret, (double) overlap.toSeconds())),
      row -> row.getString(0), "endpoint " + endpointId).mapEmpty();
  }

  // ---------------------------------------------------------------- messages

  /**
   * Records the message and one pending delivery per enabled endpoint it goes to (every endpoint of the
   * organization whose types are empty or contain the type; only {@code onlyEndpointId} when given), in one
   * statement. DUPLICATE when the organization has a message with this eventId.
   */
  Future<Message> createMessage(String organizationId, String eventType, String eventId, String payload,
                                String onlyEndpointId) {
    String id = Secrets.id("msg_");
    if (onlyEndpointId == null) {
      return messages.submit(new NewMessage(id, organizationId, eventId, eventType, payload))
        .compose(createdAt -> createdAt == null ? Future.failedFuture(duplicate(eventId))
          : Future.succeededFuture(new Message(id, eventId, eventType, payload, createdAt)));
    }
    return queue.preparedQuery("WITH m AS (INSERT INTO builtin_messages (id, organization_id, event_id, event_type, "
        + "payload) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organization_id, event_id) DO NOTHING "
        + "RETURNING id, created_at), "
        + "d AS (INSERT INTO builtin_deliveries (message_id, endpoint_id, organization_id) "
        + "SELECT m.id, e.id, $2 FROM m, builtin_endpoints e WHERE e.organization_id = $2 AND NOT e.disabled "
        + "AND ($6::text IS NULL AND (cardinality(e.event_types) = 0 OR $4 = ANY (e.event_types)) OR e.id = $6) "
        + "RETURNING 1) "
        + "SELECT m.created_at, (SELECT count(*) FROM d) FROM m")
      .execute(Tuple.of(id, organizationId, eventId, eventType, payload, onlyEndpointId))
      .compose(rows -> rows.size() == 0
        ? Future.failedFuture(duplicate(eventId))
        : Future.succeededFuture(new Message(id, eventId, eventType, payload,
          instant(rows.iterator().next().getOffsetDateTime(0)))));
  }

  private static ProviderFailure duplicate(String eventId) {
    return ProviderFailure.of(ProviderFailure.Kind.DUPLICATE,
      "this organization has a message with eventId " + eventId + " already");
  }

  /** A batch of {@link #createMessage}s, with the deliveries it could claim handed to this node's worker. */
  private Future<List<Instant>> storeMessages(List<NewMessage> batch) {
    Handoff worker = handoff;
    // room for as many deliveries as endpoints an organization has most often: one or a few
    return worker.reserve(ROOM_PER_MESSAGE * batch.size()).compose(room -> insertMessages(batch, room).andThen(stored -> {
      if (stored.succeeded()) {
        worker.handOff(room, stored.result().claimed(), stored.result().backlog(), stored.result().waiting());
      } else {
        worker.handOff(room, List.of(), true, List.of());
      }
    })).map(Stored::createdAt);
  }

  /**
   * What one statement of {@link #insertMessages} did: each message's creation time, the deliveries it claimed,
   * what it left pending (see {@link Handoff#handOff}).
   */
  private record Stored(List<Instant> createdAt, List<Due> claimed, boolean backlog, List<String> waiting) {
  }

  /**
   * A batch of {@link #createMessage}s in one statement: each message and one delivery per enabled endpoint of its
   * organization that takes its type. Within {@code room} (at most its attempts in all, the endpoint's in-flight
   * attempts across the cluster under its per-endpoint limit, and only for an endpoint with no delivery pending,
   * so that waiting ones and retries keep their turn: an endpoint that fails goes the claims' way) a delivery is
   * stored claimed by the room's owner, as {@link #claim} would claim it, and answered to be attempted at once;
   * the others pending. Answers each message's creation time, null for a duplicate (an eventId its organization
   * had, or had earlier in the batch).
   */
  private Future<Stored> insertMessages(List<NewMessage> batch, Handoff.Room room) {
    int n = batch.size();
    String[] ids = new String[n];
    String[] orgs = new String[n];
    String[] eventIds = new String[n];
    String[] types = new String[n];
    String[] payloads = new String[n];
    java.util.Map<String, NewMessage> byId = new java.util.HashMap<>();
    for (int i = 0; i < n; i++) {
      NewMessage m = batch.get(i);
      ids[i] = m.id();
      orgs[i] = m.organizationId();
      eventIds[i] = m.eventId();
      types[i] = m.eventType();
      payloads[i] = m.payload();
      byId.put(m.id(), m);
    }
    return queue.preparedQuery(STORE_MESSAGES)
      .execute(Tuple.of(ids, orgs, eventIds, types, payloads, room.owner(), room.attempts(), room.perEndpoint(),
        (double) room.lease().toMillis() / 1000.0))
      .map(rows -> {
        java.util.Map<String, Instant> created = new java.util.HashMap<>();
        List<Due> claimed = new ArrayList<>();
        boolean backlog = false;
        List<String> waiting = List.of();
        for (Row r : rows) {
          String id = r.getString("id");
          Instant at = instant(r.getOffsetDateTime("created_at"));
          created.put(id, at);
          backlog = r.getBoolean("backlog");
          String[] full = r.getArrayOfStrings("waiting");
          waiting = full == null ? List.of() : List.of(full);
          Long delivery = r.getLong("delivery_id");
          if (delivery != null) {
            NewMessage m = byId.get(id);
            claimed.add(new Due(delivery, m.organizationId(), id, m.eventId(), m.eventType(), m.payload(), at,
              r.getString("endpoint_id"), r.getString("url"), r.getString("secret"), r.getString("previous"), 0, true,
              Attempt.Trigger.SCHEDULED));
          }
        }
        List<Instant> out = new ArrayList<>(n);
        for (String id : ids) {
          out.add(created.get(id));
        }
        return new Stored(out, claimed, backlog, waiting);
      });
  }

  /**
   * The statement of {@link #insertMessages}: $1–$5 the messages, $6 the room's owner, $7 its attempts, $8 the most
   * in flight per endpoint, $9 the lease in seconds. The in-flight count and the pending check read only the batch's
   * endpoints' entries of builtin_deliveries_endpoint, and only when there is room. Each row also says how many
   * deliveries stayed pending, whether a claim could take one now ({@code backlog}: its endpoint under its limit,
   * or no room to tell) and which endpoints are at their limit with deliveries pending ({@code waiting}).
   */
  static final String STORE_MESSAGES = "WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], "
    + "$4::text[], $5::text[]) WITH ORDINALITY AS i(id, organization_id, event_id, event_type, payload, n)), "
    + "m AS (INSERT INTO builtin_messages (id, organization_id, event_id, event_type, payload) "
    + "SELECT id, organization_id, event_id, event_type, payload FROM input ORDER BY n "
    + "ON CONFLICT (organization_id, event_id) DO NOTHING RETURNING id, organization_id, event_type, created_at), "
    + "t AS (SELECT m.id AS message_id, e.id AS endpoint_id, m.organization_id, i.n, e.seq FROM m "
    + "JOIN input i ON i.id = m.id JOIN builtin_endpoints e ON e.organization_id = m.organization_id "
    + "WHERE NOT e.disabled AND (cardinality(e.event_types) = 0 OR m.event_type = ANY (e.event_types))), "
    + "open AS (SELECT x.endpoint_id, (SELECT count(*) FROM builtin_deliveries b WHERE b.endpoint_id = x.endpoint_id "
    + "AND b.status = 'sending' AND b.lease_until >= now()) AS busy, EXISTS (SELECT 1 FROM builtin_deliveries p "
    + "WHERE p.endpoint_id = x.endpoint_id AND p.status = 'pending') AS queued "
    + "FROM (SELECT DISTINCT endpoint_id FROM t) x WHERE $7 > 0), "
    + "slots AS (SELECT t.message_id, t.endpoint_id, t.n, t.seq, o.busy + row_number() OVER (PARTITION BY t.endpoint_id "
    + "ORDER BY t.n) AS slot FROM t JOIN open o ON o.endpoint_id = t.endpoint_id AND NOT o.queued), "
    + "claimable AS (SELECT message_id, endpoint_id FROM (SELECT s.message_id, s.endpoint_id, "
    + "row_number() OVER (ORDER BY s.n, s.seq) AS k FROM slots s WHERE s.slot <= $8) c WHERE c.k <= $7), "
    + "d AS (INSERT INTO builtin_deliveries (message_id, endpoint_id, organization_id, status, lease_owner, lease_until) "
    + "SELECT t.message_id, t.endpoint_id, t.organization_id, "
    + "CASE WHEN c.message_id IS NULL THEN 'pending' ELSE 'sending' END, "
    + "CASE WHEN c.message_id IS NULL THEN NULL ELSE $6 END, "
    + "CASE WHEN c.message_id IS NULL THEN NULL ELSE now() + make_interval(secs => $9) END "
    + "FROM t LEFT JOIN claimable c ON c.message_id = t.message_id AND c.endpoint_id = t.endpoint_id "
    + "RETURNING id, message_id, endpoint_id, status), "
        // the endpoints of what stays pending, each with room under its limit now or not (unknown without room)
    + "sent AS (SELECT endpoint_id, count(*) AS n FROM d WHERE status = 'sending' GROUP BY endpoint_id), "
    + "stay AS (SELECT DISTINCT p.endpoint_id, (o.endpoint_id IS NULL OR o.busy + coalesce(s.n, 0) < $8) AS free "
    + "FROM d p LEFT JOIN open o ON o.endpoint_id = p.endpoint_id LEFT JOIN sent s ON s.endpoint_id = p.endpoint_id "
    + "WHERE p.status = 'pending') "
    + "SELECT m.id, m.created_at, d.id AS delivery_id, d.endpoint_id, e.url, e.secret, "
    + "CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END AS previous, "
    + "(SELECT count(*) FROM d WHERE d.status = 'pending') AS pending, "
    + "EXISTS (SELECT 1 FROM stay WHERE free) AS backlog, "
    + "(SELECT array_agg(endpoint_id) FROM stay WHERE NOT free) AS waiting "
    + "FROM m LEFT JOIN d ON d.message_id = m.id AND d.status = 'sending' LEFT JOIN builtin_endpoints e ON e.id = d.endpoint_id";

  Future<Message> getMessage(String organizationId, String messageId) {
    return one(pool.preparedQuery("SELECT id, event_id, event_type, payload, created_at FROM builtin_messages "
        + "WHERE organization_id = $1 AND (id = $2 OR event_id = $2) ORDER BY (id = $2) DESC LIMIT 1")
      .execute(Tuple.of(organizationId, messageId)), BuiltinStore::message, "message " + messageId);
  }

  Future<Page<Message>> listMessages(String organizationId, MessageQuery query) {
    long before;
    try {
      before = query.page().iterator() == null ? Long.MAX_VALUE : seq(query.page().iterator());
    } catch (ProviderFailure f) {
      return Future.failedFuture(f);
    }
    return pool.preparedQuery("SELECT seq, id, event_id, event_type, payload, created_at FROM builtin_messages "
        + "WHERE organization_id = $1 AND seq < $2 AND ($3::text IS NULL OR event_type = $3) "
        + "AND ($4::timestamptz IS NULL OR created_at < $4) AND ($5::timestamptz IS NULL OR created_at > $5) "
        + "ORDER BY seq DESC LIMIT $6")
      .execute(Tuple.of(organizationId, before, query.eventType(), offset(query.before()), offset(query.after()),
        query.page().limit() + 1))
      .map(rows -> page(rows, query.page().limit(), BuiltinStore::message));
  }

  // ---------------------------------------------------------------- attempts

  Future<Page<Attempt>> attemptsByMessage(String organizationId, String messageId, AttemptQuery query) {
    return getMessage(organizationId, messageId)
      .compose(m -> attempts(organizationId, "message_id", m.id(), query));
  }

  Future<Page<Attempt>> attemptsByEndpoint(String organizationId, String endpointId, AttemptQuery query) {
    return getEndpoint(organizationId, endpointId)
      .compose(e -> attempts(organizationId, "endpoint_id", e.id(), query));
  }

  /**
   * Recorded attempts ({@code success}, {@code failed}), newest first; {@code pending} and {@code sending}
   * list the deliveries waiting for, or in, their next attempt.
   */
  private Future<Page<Attempt>> attempts(String organizationId, String column, String value, AttemptQuery query) {
    long before;
    try {
      before = query.page().iterator() == null ? Long.MAX_VALUE : seq(query.page().iterator());
    } catch (ProviderFailure f) {
      return Future.failedFuture(f);
    }
    Attempt.Status status = query.status();
    if (status == Attempt.Status.PENDING || status == Attempt.Status.SENDING) {
      return pool.preparedQuery("SELECT d.id AS seq, d.message_id, d.endpoint_id, e.url, d.trigger, d.next_attempt_at "
          + "FROM builtin_deliveries d JOIN builtin_endpoints e ON e.id = d.endpoint_id "
          + "WHERE d.organization_id = $1 AND d." + column + " = $2 AND d.status = $3 AND d.id < $4 "
          + "ORDER BY d.id DESC LIMIT $5")
        .execute(Tuple.of(organizationId, value, status.api(), before, query.page().limit() + 1))
        .map(rows -> page(rows, query.page().limit(), row -> new Attempt("dlv_" + row.getLong("seq"),
          row.getString("message_id"), row.getString("endpoint_id"), row.getString("url"), status, 0, "", 0,
          trigger(row.getString("trigger")), instant(row.getOffsetDateTime("next_attempt_at")))));
    }
    return pool.preparedQuery("SELECT " + ATTEMPT_COLUMNS + " FROM builtin_attempts WHERE organization_id = $1 AND "
        + column + " = $2 AND seq < $3 AND ($4::text IS NULL OR status = $4) ORDER BY seq DESC LIMIT $5")
      .execute(Tuple.of(organizationId, value, before, status == null ? null : status.api(), query.page().limit() + 1))
      .map(rows -> page(rows, query.page().limit(), BuiltinStore::attempt));
  }

  /** One more attempt of the message to the endpoint, now, without retries ({@code trigger: manual}). */
  Future<Void> resend(String organizationId, String messageId, String endpointId) {
    return Future.join(getMessage(organizationId, messageId), getEndpoint(organizationId, endpointId))
      .transform(both -> both.succeeded() ? Future.succeededFuture(both.result())
        : Future.failedFuture(both.cause()))
      .compose(both -> {
        Message m = both.resultAt(0);
        Endpoint e = both.resultAt(1);
        return pool.preparedQuery("INSERT INTO builtin_deliveries (message_id, endpoint_id, organization_id, retries, "
          + "trigger) VALUES ($1, $2, $3, false, 'manual')").execute(Tuple.of(m.id(), e.id(), organizationId));
      }).mapEmpty();
  }

  /** Every delivery to the endpoint that failed in [since, until) gets one more attempt now. */
  Future<Integer> recover(String organizationId, String endpointId, Instant since, Instant until) {
    return getEndpoint(organizationId, endpointId).compose(e -> pool.preparedQuery("UPDATE builtin_deliveries SET "
        + "status = 'pending', retries = false, trigger = 'manual', next_attempt_at = now(), updated_at = now() "
        + "WHERE endpoint_id = $1 AND status = 'failed' AND updated_at >= $2 AND updated_at < coalesce($3, now())")
      .execute(Tuple.of(e.id(), offset(since), offset(until))).map(RowSet::rowCount));
  }

  // ---------------------------------------------------------------- the delivery queue

  // Two locking scans, each walking its own partial index in order and stopping at the limit: the due
  // pending rows (builtin_deliveries_due) and the claims whose node died (builtin_deliveries_sending). One
  // scan over both states could use neither index and read the whole backlog for every claim.
  private static final String ELIGIBLE = "AND NOT EXISTS (SELECT 1 FROM busy b WHERE b.endpoint_id = d.endpoint_id AND b.n >= $3) "
    + "AND EXISTS (SELECT 1 FROM builtin_endpoints x WHERE x.id = d.endpoint_id AND NOT x.disabled) ";
  /**
   * The claim of {@link #claim}: $1 most deliveries, $2 owner, $3 most in flight per endpoint, $4 lease in seconds,
   * $5 most payload bytes.
   */
  static final String CLAIM = "WITH busy AS (SELECT endpoint_id, count(*) AS n FROM builtin_deliveries "
    + "WHERE status = 'sending' AND lease_until >= now() GROUP BY endpoint_id), "
    + "due AS (SELECT d.id, d.endpoint_id, d.message_id, d.next_attempt_at FROM builtin_deliveries d "
    + "WHERE d.status = 'pending' AND d.next_attempt_at <= now() " + ELIGIBLE
    + "ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED), "
    + "expired AS (SELECT d.id, d.endpoint_id, d.message_id, d.next_attempt_at FROM builtin_deliveries d "
    + "WHERE d.status = 'sending' AND d.lease_until < now() " + ELIGIBLE
    + "ORDER BY d.lease_until LIMIT $1 FOR UPDATE OF d SKIP LOCKED), "
    + "candidates AS (SELECT * FROM expired UNION ALL SELECT * FROM due), "
    + "ranked AS (SELECT c.id, c.message_id, c.next_attempt_at, row_number() OVER (PARTITION BY c.endpoint_id "
    + "ORDER BY c.next_attempt_at, c.id) + coalesce((SELECT b.n FROM busy b WHERE b.endpoint_id = c.endpoint_id), 0) "
    + "AS slot FROM candidates c), "
    + "allowed AS (SELECT r.id, r.next_attempt_at, octet_length(m.payload) AS bytes FROM ranked r "
    + "JOIN builtin_messages m ON m.id = r.message_id "
    + "WHERE r.slot <= $3 ORDER BY r.next_attempt_at, r.id LIMIT $1), "
        // at most $5 payload bytes in all (one row whatever its size): the rows arrive in one buffer
    + "chosen AS (SELECT id FROM (SELECT id, sum(bytes) OVER (ORDER BY next_attempt_at, id) AS total, "
    + "row_number() OVER (ORDER BY next_attempt_at, id) AS k FROM allowed) a WHERE a.total <= $5 OR a.k = 1) "
    + "UPDATE builtin_deliveries d SET status = 'sending', lease_owner = $2, "
    + "lease_until = now() + make_interval(secs => $4), updated_at = now() "
    + "FROM chosen r, builtin_endpoints e, builtin_messages m "
    + "WHERE d.id = r.id AND e.id = d.endpoint_id AND m.id = d.message_id "
    + "RETURNING d.id, d.organization_id, d.message_id, m.event_id, m.event_type, m.payload, m.created_at, "
    + "d.endpoint_id, e.url, e.secret, CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END AS previous, "
    + "d.attempts, d.retries, d.trigger";

  /**
   * Claims up to {@code limit} due deliveries for {@code owner} until {@code lease} passes: pending ones whose
   * time has come and those whose claim expired (a node died mid-attempt), of enabled endpoints, at most
   * {@code perEndpoint} in flight to one endpoint across every node, and at most 4 MiB of payloads (one
   * delivery whatever its size). {@code FOR UPDATE SKIP LOCKED}: nodes claiming at once take different rows.
   */
  Future<List<Due>> claim(String owner, int limit, int perEndpoint, Duration lease) {
    return queue.preparedQuery(CLAIM)
      .execute(Tuple.of(limit, owner, perEndpoint, (double) lease.toMillis() / 1000.0, MAX_BATCH_BYTES))
      .map(rows -> {
        List<Due> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
          out.add(new Due(r.getLong("id"), r.getString("organization_id"), r.getString("message_id"),
            r.getString("event_id"), r.getString("event_type"), r.getString("payload"),
            instant(r.getOffsetDateTime("created_at")), r.getString("endpoint_id"), r.getString("url"),
            r.getString("secret"), r.getString("previous"), r.getInteger("attempts"), r.getBoolean("retries"),
            trigger(r.getString("trigger"))));
        }
        return out;
      });
  }

  /**
   * Records one attempt and where its delivery goes next ({@code nextAttemptAt} null: {@code success} or
   * {@code failed} for good), and the endpoint's run of failures; answers when the endpoint has been failing
   * since (null after a success).
   */
  Future<Instant> finish(Due due, String owner, Attempt attempt, Instant nextAttemptAt) {
    boolean ok = attempt.status() == Attempt.Status.SUCCESS;
    String status = ok ? "success" : nextAttemptAt == null ? "failed" : "pending";
    return queue.preparedQuery("WITH a AS (INSERT INTO builtin_attempts (id, delivery_id, message_id, endpoint_id, "
        + "organization_id, url, status, response_status_code, response, duration_ms, trigger) "
        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)), "
        + "d AS (UPDATE builtin_deliveries SET status = $12, attempts = attempts + 1, "
        + "next_attempt_at = coalesce($13, next_attempt_at), lease_owner = NULL, lease_until = NULL, updated_at = now() "
        + "WHERE id = $2 AND lease_owner = $14), "
        + "e AS (UPDATE builtin_endpoints SET failing_since = CASE WHEN $15 THEN NULL ELSE now() END "
        + "WHERE id = $4 AND CASE WHEN $15 THEN failing_since IS NOT NULL ELSE failing_since IS NULL END "
        + "RETURNING failing_since) "
        + "SELECT CASE WHEN $15 THEN NULL ELSE coalesce((SELECT failing_since FROM e), "
        + "(SELECT failing_since FROM builtin_endpoints WHERE id = $4)) END")
      .execute(Tuple.tuple().addString(attempt.id()).addLong(due.deliveryId()).addString(due.messageId())
        .addString(due.endpointId()).addString(due.organizationId()).addString(attempt.url())
        .addString(attempt.status().api()).addInteger(attempt.responseStatusCode()).addString(attempt.response())
        .addLong(attempt.durationMs()).addString(attempt.trigger().api()).addString(status)
        .addValue(offset(nextAttemptAt)).addString(owner).addBoolean(ok))
      .map(rows -> instant(rows.iterator().next().getOffsetDateTime(0)));
  }

  /**
   * Records a successful attempt: the delivery {@code success}, the endpoint's run of failures ended. Several
   * successes ending at once are written by one statement.
   */
  Future<Void> succeeded(Due due, String owner, Attempt attempt) {
    return successes.submit(new Success(due, owner, attempt));
  }

  private Future<List<Void>> recordSuccesses(List<Success> batch) {
    int n = batch.size();
    String[] attemptIds = new String[n];
    Long[] deliveryIds = new Long[n];
    String[] messageIds = new String[n];
    String[] endpointIds = new String[n];
    String[] orgs = new String[n];
    String[] urls = new String[n];
    Integer[] codes = new Integer[n];
    String[] responses = new String[n];
    Long[] durations = new Long[n];
    String[] triggers = new String[n];
    String[] owners = new String[n];
    for (int i = 0; i < n; i++) {
      Success s = batch.get(i);
      Attempt a = s.attempt();
      attemptIds[i] = a.id();
      deliveryIds[i] = s.due().deliveryId();
      messageIds[i] = s.due().messageId();
      endpointIds[i] = s.due().endpointId();
      orgs[i] = s.due().organizationId();
      urls[i] = a.url();
      codes[i] = a.responseStatusCode();
      responses[i] = a.response();
      durations[i] = a.durationMs();
      triggers[i] = a.trigger().api();
      owners[i] = s.owner();
    }
    return queue.preparedQuery("WITH i AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], "
        + "$5::text[], $6::text[], $7::int[], $8::text[], $9::bigint[], $10::text[], $11::text[]) WITH ORDINALITY "
        + "AS i(attempt_id, delivery_id, message_id, endpoint_id, organization_id, url, code, response, duration_ms, "
        + "trigger, owner, n)), "
        + "a AS (INSERT INTO builtin_attempts (id, delivery_id, message_id, endpoint_id, organization_id, url, status, "
        + "response_status_code, response, duration_ms, trigger) SELECT attempt_id, delivery_id, message_id, "
        + "endpoint_id, organization_id, url, '" + Attempt.Status.SUCCESS.api() + "', code, response, duration_ms, "
        + "trigger FROM i ORDER BY n), "
        + "d AS (UPDATE builtin_deliveries t SET status = 'success', attempts = t.attempts + 1, lease_owner = NULL, "
        + "lease_until = NULL, updated_at = now() FROM i WHERE t.id = i.delivery_id AND t.lease_owner = i.owner), "
        + "e AS (UPDATE builtin_endpoints SET failing_since = NULL "
        + "WHERE id IN (SELECT endpoint_id FROM i) AND failing_since IS NOT NULL) "
        + "SELECT count(*) FROM i")
      .execute(Tuple.of(attemptIds, deliveryIds, messageIds, endpointIds, orgs, urls, codes, responses, durations,
        triggers, owners))
      .map(rows -> java.util.Collections.nCopies(n, (Void) null));
  }

  /**
   * Disables the endpoint (when enabled) with {@code reason}, its waiting deliveries failed (recover brings them
   * back); answers it, or null when it was disabled already.
   */
  Future<Endpoint> disable(String endpointId, String reason) {
    return queue.preparedQuery("WITH e AS (UPDATE builtin_endpoints SET disabled = true, disabled_reason = $2, "
        + "updated_at = now() WHERE id = $1 AND NOT disabled RETURNING organization_id, " + ENDPOINT_COLUMNS + "), "
        + "d AS (UPDATE builtin_deliveries SET status = 'failed', updated_at = now() "
        + "WHERE endpoint_id IN (SELECT id FROM e) AND status = 'pending') SELECT * FROM e")
      .execute(Tuple.of(endpointId, reason))
      .map(rows -> rows.size() == 0 ? null : endpoint(rows.iterator().next()));
  }

  /** Hands this node's claimed deliveries back (they are attempted again, by any node). */
  Future<Integer> release(String owner) {
    return queue.preparedQuery("UPDATE builtin_deliveries SET status = 'pending', lease_owner = NULL, lease_until = NULL "
        + "WHERE status = 'sending' AND lease_owner = $1").execute(Tuple.of(owner)).map(RowSet::rowCount);
  }

  /** Deletes up to {@code batch} messages older than {@code before} (their deliveries and attempts with them). */
  Future<Integer> prune(Instant before, int batch) {
    return pool.preparedQuery("DELETE FROM builtin_messages WHERE id IN (SELECT id FROM builtin_messages "
        + "WHERE created_at < $1 LIMIT $2)").execute(Tuple.of(offset(before), batch)).map(RowSet::rowCount);
  }

  /** The earliest time a pending delivery is due, or null when none waits. */
  Future<Instant> nextDue() {
    return pool.query("SELECT min(next_attempt_at) FROM builtin_deliveries WHERE status = 'pending'").execute()
      .map(rows -> instant(rows.iterator().next().getOffsetDateTime(0)));
  }

  // ---------------------------------------------------------------- mapping

  private static <T> Future<T> one(Future<RowSet<Row>> rows, Function<Row, T> map, String what) {
    return rows.compose(r -> r.size() == 0
      ? Future.failedFuture(ProviderFailure.notFound(what + " not found"))
      : Future.succeededFuture(map.apply(r.iterator().next())));
  }

  private static <T> Page<T> page(RowSet<Row> rows, int limit, Function<Row, T> map) {
    List<T> data = new ArrayList<>();
    long last = 0;
    int n = 0;
    for (Row r : rows) {
      if (n++ == limit) {
        break;
      }
      data.add(map.apply(r));
      last = r.getLong("seq");
    }
    boolean done = rows.size() <= limit;
    return new Page<>(data, done ? null : Long.toString(last), done);
  }

  private static long seq(String iterator) {
    try {
      return Long.parseLong(iterator);
    } catch (NumberFormatException e) {
      throw ProviderFailure.inputRejected("/iterator", "not an iterator this listing gave");
    }
  }

  static Endpoint endpoint(Row r) {
    String[] types = r.getArrayOfStrings("event_types");
    return new Endpoint(r.getString("id"), r.getString("uid"), r.getString("url"), r.getString("description"),
      types == null ? List.of() : List.of(types), r.getBoolean("disabled"), instant(r.getOffsetDateTime("created_at")),
      instant(r.getOffsetDateTime("updated_at")));
  }

  private static Message message(Row r) {
    return new Message(r.getString("id"), r.getString("event_id"), r.getString("event_type"), r.getString("payload"),
      instant(r.getOffsetDateTime("created_at")));
  }

  private static Attempt attempt(Row r) {
    return new Attempt(r.getString("id"), r.getString("message_id"), r.getString("endpoint_id"), r.getString("url"),
      Attempt.Status.fromApi(r.getString("status")), r.getInteger("response_status_code"), r.getString("response"),
      r.getLong("duration_ms"), trigger(r.getString("trigger")), instant(r.getOffsetDateTime("created_at")));
  }

  private static Attempt.Trigger trigger(String s) {
    return "manual".equals(s) ? Attempt.Trigger.MANUAL : Attempt.Trigger.SCHEDULED;
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }

  private static OffsetDateTime offset(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }
}
