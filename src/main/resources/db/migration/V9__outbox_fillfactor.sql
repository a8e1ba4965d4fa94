-- Leasing a row (next_attempt_at, in no index) can then be a HOT update: the new row version stays
-- on its page and no index gets a new entry. With full pages every lease wrote to all four indexes.
ALTER TABLE event_outbox SET (fillfactor = 70);
