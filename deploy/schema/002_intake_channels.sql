-- Intake from every channel: staff tokens, hashed query codes, idempotency
-- keys, external references for imports, the abuse watch list and the fields
-- a hotline operator records.

-- Bearer tokens of staff, stored as SHA-256 of the token; the token itself
-- is shown once, when issued.
CREATE TABLE staff_tokens (
    id bigserial PRIMARY KEY,
    staff text NOT NULL REFERENCES staff (code),
    token_sha256 bytea NOT NULL UNIQUE,
    label text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- Open311 clients authenticate with an api_key, stored hashed too.
CREATE TABLE open311_clients (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    key_sha256 bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- The query code unlocks the public status page; only its hash is kept.
ALTER TABLE cases RENAME COLUMN query_code TO query_code_sha256;
ALTER TABLE cases ALTER COLUMN query_code_sha256 TYPE bytea USING sha256(convert_to(query_code_sha256, 'UTF8'));

ALTER TABLE cases
    ADD COLUMN requester_anonymous boolean NOT NULL DEFAULT false,
    ADD COLUMN callback_phone text,
    ADD COLUMN requester_email text,
    ADD COLUMN place text,
    ADD COLUMN enterprise text,
    ADD COLUMN product text,
    ADD COLUMN latitude double precision,
    ADD COLUMN longitude double precision,
    ADD COLUMN external_ref text UNIQUE,
    ADD COLUMN source text,
    ADD COLUMN flagged boolean NOT NULL DEFAULT false,
    ADD COLUMN recorded_by text REFERENCES staff (code);

CREATE INDEX cases_created_idx ON cases (created_at);

-- A client that retries a POST with the same Idempotency-Key gets the first
-- response again; the same key with another body is a conflict.
CREATE TABLE idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL,
    request_sha256 bytea NOT NULL,
    case_id bigint REFERENCES cases (id),
    response jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

-- Numbers and addresses that flood the desk: still accepted and recorded,
-- but flagged and kept out of the divisions' metrics.
CREATE TABLE watchlist (
    kind text NOT NULL CHECK (kind IN ('phone', 'ip', 'email')),
    value text NOT NULL,
    reason text NOT NULL,
    added_by text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    removed_at timestamptz,
    PRIMARY KEY (kind, value)
);

-- Fair assignment of the on-duty first responder for web and letter cases:
-- the acceptor with the fewest open cases from the roster.
CREATE INDEX cases_first_responder_open_idx ON cases (first_responder) WHERE state <> 'closed';
