-- Claims lock the heads they chose by id. The (next_attempt_at, id) index on pending rows let the
-- planner answer "these ids, if due" by walking every due row of a large backlog instead of
-- looking the few ids up; pending rows are now indexed by id alone (also the oldest pending row
-- for /status).
DROP INDEX IF EXISTS event_outbox_due;
CREATE INDEX IF NOT EXISTS event_outbox_pending ON event_outbox (id) WHERE status = 'PENDING';
