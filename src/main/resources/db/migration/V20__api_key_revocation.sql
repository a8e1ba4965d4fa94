-- API keys can be listed (prefix, scope, created, last used) and revoked from the command line.
-- revoked_at exists since V1 (a revoked key is refused: ApiKeys.find skips it); IF NOT EXISTS keeps this
-- migration true on every database. last_used_at is written at most once a minute per key.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS revoked_at timestamptz;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS last_used_at timestamptz;
-- revoke-api-key finds keys by prefix
CREATE INDEX IF NOT EXISTS api_keys_prefix ON api_keys (key_prefix);
