-- Custom event types in use (sent through /send or named by an endpoint), for GET /event-types: recorded
-- once each; the outbox's own rows are pruned after they are sent, so they cannot say which types were used.
CREATE TABLE custom_event_types (
    name          text PRIMARY KEY,
    first_used_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO custom_event_types (name)
SELECT DISTINCT event_type FROM event_outbox
 WHERE source = 'api' AND event_type NOT IN (
   'sandbox.created', 'sandbox.state.updated', 'sandbox.desired-state.updated',
   'snapshot.created', 'snapshot.state.updated', 'snapshot.removed',
   'volume.created', 'volume.state.updated', 'volume.lastUsedAt.updated',
   'audit-log.created', 'audit-log.updated', 'organization.created')
ON CONFLICT DO NOTHING;

-- GET /organizations/{org}/events lists an organization's rejected rows newest first (its queued rows come
-- from event_outbox_org_pending). No claim names FAILED rows, so this index serves only that listing.
CREATE INDEX event_outbox_org_failed ON event_outbox (organization_id, id) WHERE status = 'FAILED';
