-- The outbox is a queue: rows are inserted, updated (leased, sent) and deleted all the time.
-- Vacuum it early and without throttling, so that the dead index entries of sent rows do not
-- pile up in front of the pending ones that every claim looks for.
ALTER TABLE event_outbox SET (
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0,
    autovacuum_analyze_scale_factor = 0.02
);
