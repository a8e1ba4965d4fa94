-- The built-in delivery provider's own tables (DELIVERY_PROVIDER=builtin): endpoints with their signing
-- secrets, messages, one delivery row per (message, endpoint) that is the work queue, and every attempt.
-- seq columns give listings a stable order and their iterators.

CREATE TABLE builtin_endpoints (
  id                    text PRIMARY KEY,
  seq                   bigserial NOT NULL UNIQUE,
  organization_id       text NOT NULL,
  uid                   text,
  url                   text NOT NULL,
  description           text NOT NULL DEFAULT '',
  event_types           text[] NOT NULL DEFAULT '{}',
  disabled              boolean NOT NULL DEFAULT false,
  disabled_reason       text,
  secret                text NOT NULL,
  previous_secret       text,
  previous_secret_until timestamptz,
  -- the first failed attempt of an unbroken run of failures (null after a success)
  failing_since         timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, uid)
);
CREATE INDEX builtin_endpoints_org ON builtin_endpoints (organization_id, seq);

CREATE TABLE builtin_messages (
  id              text PRIMARY KEY,
  seq             bigserial NOT NULL UNIQUE,
  organization_id text NOT NULL,
  event_id        text NOT NULL,
  event_type      text NOT NULL,
  payload         text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, event_id)
);
CREATE INDEX builtin_messages_org ON builtin_messages (organization_id, seq);
CREATE INDEX builtin_messages_created ON builtin_messages (created_at);

-- status: pending (waits for next_attempt_at), sending (claimed by lease_owner until lease_until),
-- success, failed (no retry left). retries: false for a manual resend (one attempt only).
CREATE TABLE builtin_deliveries (
  id              bigserial PRIMARY KEY,
  message_id      text NOT NULL REFERENCES builtin_messages (id) ON DELETE CASCADE,
  endpoint_id     text NOT NULL REFERENCES builtin_endpoints (id) ON DELETE CASCADE,
  organization_id text NOT NULL,
  status          text NOT NULL DEFAULT 'pending',
  attempts        integer NOT NULL DEFAULT 0,
  retries         boolean NOT NULL DEFAULT true,
  trigger         text NOT NULL DEFAULT 'scheduled',
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_owner     text,
  lease_until     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX builtin_deliveries_due ON builtin_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX builtin_deliveries_sending ON builtin_deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX builtin_deliveries_message ON builtin_deliveries (message_id);
CREATE INDEX builtin_deliveries_endpoint ON builtin_deliveries (endpoint_id, status);

CREATE TABLE builtin_attempts (
  id                   text PRIMARY KEY,
  seq                  bigserial NOT NULL UNIQUE,
  delivery_id          bigint NOT NULL REFERENCES builtin_deliveries (id) ON DELETE CASCADE,
  message_id           text NOT NULL REFERENCES builtin_messages (id) ON DELETE CASCADE,
  endpoint_id          text NOT NULL REFERENCES builtin_endpoints (id) ON DELETE CASCADE,
  organization_id      text NOT NULL,
  url                  text NOT NULL,
  status               text NOT NULL,
  response_status_code integer NOT NULL,
  response             text NOT NULL,
  duration_ms          bigint NOT NULL,
  trigger              text NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX builtin_attempts_message ON builtin_attempts (message_id, seq);
CREATE INDEX builtin_attempts_endpoint ON builtin_attempts (endpoint_id, seq);
CREATE INDEX builtin_attempts_delivery ON builtin_attempts (delivery_id);
