-- Initialization takes turns per organization through a lease on its row (no transaction or lock is held
-- while the provider is called): a run takes the row when lease_until has passed and renews it while it runs.
ALTER TABLE organization_initializations ADD COLUMN lease_owner text;
ALTER TABLE organization_initializations ADD COLUMN lease_until timestamptz;

-- When an outbox row began failing retryably while the provider accepted other rows: after
-- OUTBOX_REJECT_AFTER_MS of that, the row is rejected (one poison event never blocks its organization).
ALTER TABLE event_outbox ADD COLUMN first_failed_at timestamptz;
