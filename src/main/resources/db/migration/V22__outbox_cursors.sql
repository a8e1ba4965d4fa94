-- The outbox writes each event once. Until now a row was written three times: inserted, leased (its
-- next_attempt_at) by every claim that took it, and updated to SENT (a new row version in every index);
-- the second and third writes cost PostgreSQL more than the insert. Now each organization with events to
-- send has a cursor: the id up to which its rows have been handed to the provider (advanced once per batch
-- of sent rows) and one lease for the organization (taken by a claim, renewed while its chain runs). A row
-- of an organization is
--   rejected when its status is FAILED;
--   sent     when its status is SENT (rows sent before this migration), or it is at or below its
--            organization's cursor, or its organization has no cursor (a cursor is removed once every
--            row of its organization is settled);
--   queued   otherwise.
-- A row is updated only when an attempt fails (attempts, last_error, next_attempt_at, first_failed_at) or
-- when it is rejected.
--
-- This holds only if an organization's rows become visible in id order: a row committed after the cursor
-- passed its id would count as sent without having been sent. The trigger below makes every insert take
-- the organization's advisory lock (held until commit) and only then its id, so the rows of one
-- organization are numbered in the order their transactions commit, whoever inserts them (any node, a
-- requeue, an operator's SQL). What any snapshot shows of an organization's rows is then a prefix of them.
CREATE TABLE outbox_cursors (
    organization_id text        PRIMARY KEY,
    -- the organization's rows with ids up to this one are settled (sent, or rejected)
    sent_up_to      bigint      NOT NULL,
    -- no dispatcher claims the organization before this time
    lease_until     timestamptz NOT NULL DEFAULT '-infinity'
);
-- Cursors are updated all the time (leases, sent_up_to) and the table stays small: keep its updates HOT.
ALTER TABLE outbox_cursors SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.0,
    autovacuum_vacuum_threshold = 500, autovacuum_vacuum_cost_delay = 0);

INSERT INTO outbox_cursors (organization_id, sent_up_to)
SELECT organization_id, min(id) - 1 FROM event_outbox WHERE status = 'PENDING' GROUP BY organization_id;

-- The lock's first key names the outbox (the second is the organization): no other advisory lock uses it.
CREATE FUNCTION event_outbox_number_in_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(726554, hashtext(NEW.organization_id));
  NEW.id := nextval('event_outbox_id_seq');
  RETURN NEW;
END
$$;
CREATE TRIGGER event_outbox_number_in_commit_order BEFORE INSERT ON event_outbox
    FOR EACH ROW EXECUTE FUNCTION event_outbox_number_in_commit_order();

-- An organization without a cursor has every row settled: its first new rows start one (under the lock
-- above, so no cursor is removed meanwhile).
CREATE FUNCTION event_outbox_open_cursors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_cursors (organization_id, sent_up_to)
  SELECT organization_id, min(id) - 1 FROM inserted GROUP BY organization_id ORDER BY organization_id
  ON CONFLICT (organization_id) DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER event_outbox_open_cursors AFTER INSERT ON event_outbox
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION event_outbox_open_cursors();

-- Rows are no longer updated to SENT, so no statement reads these: fewer indexes for each insert to write.
DROP INDEX IF EXISTS event_outbox_sent;
DROP INDEX IF EXISTS event_outbox_pending_for_status;

-- What each row is, for operators and the service's read paths.
CREATE VIEW event_outbox_states AS
SELECT e.id, e.organization_id, e.event_type, e.event_id, e.source, e.attempts, e.next_attempt_at, e.last_error,
       e.created_at, e.first_failed_at,
       CASE WHEN e.status = 'FAILED' THEN 'rejected'
            WHEN e.status = 'SENT' OR c.organization_id IS NULL OR e.id <= c.sent_up_to THEN 'sent'
            ELSE 'queued' END AS state
  FROM event_outbox e
  LEFT JOIN outbox_cursors c ON c.organization_id = e.organization_id;
