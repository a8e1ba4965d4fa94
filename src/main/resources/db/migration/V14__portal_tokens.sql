-- Portal tokens (whp_…): bearer tokens scoped to one organization with an expiry, minted by
-- POST /organizations/{id}/portal-access. Only the SHA-256 of each token is stored.
CREATE TABLE portal_tokens (
  token_hash      text PRIMARY KEY,
  token_prefix    text NOT NULL,
  organization_id text NOT NULL,
  created_by      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL
);
CREATE INDEX portal_tokens_expiry ON portal_tokens (expires_at);
