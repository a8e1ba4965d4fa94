-- Every node caches credential look-ups for up to a minute; a change that takes a credential away (a key
-- revoked, rescoped or deleted, a portal token deleted or cut short) is announced on commit to every node,
-- whatever made it (the revoke-api-key command, the service itself, an operator's SQL), which drops it at once.
CREATE FUNCTION webhooks_credential_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('webhooks_credentials_changed', to_jsonb(OLD) ->> TG_ARGV[0]);
  RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_changed AFTER UPDATE ON api_keys FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.organization_id IS DISTINCT FROM NEW.organization_id
        OR OLD.admin IS DISTINCT FROM NEW.admin OR OLD.key_hash IS DISTINCT FROM NEW.key_hash)
  EXECUTE FUNCTION webhooks_credential_changed('key_hash');
CREATE TRIGGER api_keys_deleted AFTER DELETE ON api_keys FOR EACH ROW
  EXECUTE FUNCTION webhooks_credential_changed('key_hash');

CREATE TRIGGER portal_tokens_changed AFTER UPDATE ON portal_tokens FOR EACH ROW
  WHEN (OLD.expires_at IS DISTINCT FROM NEW.expires_at OR OLD.organization_id IS DISTINCT FROM NEW.organization_id
        OR OLD.token_hash IS DISTINCT FROM NEW.token_hash)
  EXECUTE FUNCTION webhooks_credential_changed('token_hash');
CREATE TRIGGER portal_tokens_deleted AFTER DELETE ON portal_tokens FOR EACH ROW
  EXECUTE FUNCTION webhooks_credential_changed('token_hash');
