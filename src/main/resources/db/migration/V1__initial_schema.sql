-- Organization initialization: one row per organization the service has seen.
CREATE TABLE organization_initializations (
    organization_id          text PRIMARY KEY,
    name                     text,
    status                   text        NOT NULL DEFAULT 'PENDING'
                             CHECK (status IN ('PENDING', 'INITIALIZED', 'FAILED')),
    svix_application_created boolean     NOT NULL DEFAULT false,
    svix_application_id      text,
    endpoints_created        boolean     NOT NULL DEFAULT false,
    -- preconfigured endpoint name -> Svix endpoint id
    endpoint_ids             jsonb       NOT NULL DEFAULT '{}'::jsonb,
    last_error               text,
    retry_count              integer     NOT NULL DEFAULT 0,
    next_retry_at            timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organization_initializations_failed
    ON organization_initializations (next_retry_at) WHERE status = 'FAILED';

-- API keys: only the SHA-256 of the key is stored; the key itself is shown once.
CREATE TABLE api_keys (
    id              bigserial PRIMARY KEY,
    key_hash        text        NOT NULL UNIQUE,
    key_prefix      text        NOT NULL,
    organization_id text,
    admin           boolean     NOT NULL DEFAULT false,
    description     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    CHECK (admin OR organization_id IS NOT NULL)
);

-- The event outbox: an accepted event is committed here before it is acknowledged.
CREATE TABLE event_outbox (
    id               bigserial PRIMARY KEY,
    organization_id  text        NOT NULL,
    event_type       text        NOT NULL,
    event_id         text        NOT NULL,
    payload          text        NOT NULL,
    source           text        NOT NULL,
    status           text        NOT NULL DEFAULT 'PENDING'
                     CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    svix_message_id  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (organization_id, event_id)
);
CREATE INDEX event_outbox_due ON event_outbox (next_attempt_at, id) WHERE status = 'PENDING';
CREATE INDEX event_outbox_org_pending ON event_outbox (organization_id, id) WHERE status = 'PENDING';
CREATE INDEX event_outbox_sent ON event_outbox (sent_at) WHERE status = 'SENT';

-- Messages that could not be accepted: kept with the reason, never dropped silently.
CREATE TABLE dead_letters (
    id          bigserial PRIMARY KEY,
    address     text        NOT NULL,
    headers     jsonb,
    body        text,
    reason      text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- Svix operational webhooks already handled (by svix-id), so a replay publishes once.
CREATE TABLE operational_webhooks_seen (
    svix_id     text PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now()
);
