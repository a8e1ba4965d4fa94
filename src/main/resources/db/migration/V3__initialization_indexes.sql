-- Initializations still owed (FAILED awaiting a retry, or PENDING after organization.created), by due time:
-- the background retry job claims from here.
CREATE INDEX organization_initializations_due
    ON organization_initializations (next_retry_at) WHERE next_retry_at IS NOT NULL AND status <> 'INITIALIZED';
-- Bulk operations page through one status by organization id (keyset).
CREATE INDEX organization_initializations_status_id
    ON organization_initializations (status, organization_id);
