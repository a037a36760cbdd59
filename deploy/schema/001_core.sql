-- duban core schema: reference data, cases, tasks, the event log and the outbox.
-- PostgreSQL is the system of record; every state change is a guarded
-- transition committed together with an event row and an outbox row.

CREATE TABLE divisions (
    code text PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE categories (
    code text PRIMARY KEY,
    name text NOT NULL,
    lead_division text NOT NULL REFERENCES divisions (code),
    co_divisions text[] NOT NULL DEFAULT '{}',
    urgent boolean NOT NULL DEFAULT false
);

CREATE TABLE kinds (
    code text PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE channels (
    code text PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE staff (
    code text PRIMARY KEY,
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('operator', 'clerk', 'handler', 'inspector', 'admin')),
    division text REFERENCES divisions (code),
    active boolean NOT NULL DEFAULT true
);

CREATE SEQUENCE case_number_seq;

CREATE TABLE cases (
    id bigserial PRIMARY KEY,
    case_number text NOT NULL UNIQUE,
    query_code text NOT NULL,
    channel text NOT NULL REFERENCES channels (code),
    kind text NOT NULL REFERENCES kinds (code),
    category text REFERENCES categories (code),
    priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'urgent')),
    subject text NOT NULL,
    description text NOT NULL,
    requester_name text,
    requester_phone text,
    first_responder text NOT NULL REFERENCES staff (code),
    lead_hint text REFERENCES divisions (code),
    state text NOT NULL DEFAULT 'received'
        CHECK (state IN ('received', 'needs_triage', 'triaged', 'dispatched', 'replied',
                         'closed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tasks (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases (id),
    division text NOT NULL REFERENCES divisions (code),
    role text NOT NULL CHECK (role IN ('lead', 'co')),
    state text NOT NULL DEFAULT 'dispatched'
        CHECK (state IN ('dispatched', 'signed', 'returned', 'replied')),
    dispatched_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, division, role)
);

CREATE INDEX tasks_division_open_idx ON tasks (division, id) WHERE state <> 'replied';

-- The timeline of a case: every step with its actor and time.
CREATE TABLE case_events (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases (id),
    task_id bigint REFERENCES tasks (id),
    type text NOT NULL,
    actor text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}',
    at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX case_events_case_idx ON case_events (case_id, id);

-- Messages committed together with the change they announce. A relay sends
-- them; the consumer marks delivered_at in the same transaction as its own
-- effect, so a message is acknowledged exactly when it took effect. Rows not
-- delivered are sent again after a while (at-least-once, effect exactly-once).
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    msg_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    producer text NOT NULL,
    destination text NOT NULL,
    topic text,
    msg_type integer NOT NULL,
    case_id bigint,
    case_number text,
    task_id bigint,
    body bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    delivered_at timestamptz
);

-- New rows are claimed through the first index on every commit; the second
-- serves the periodic re-send of rows sent but not acknowledged in time.
CREATE INDEX outbox_unsent_idx ON outbox (destination, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_undelivered_idx ON outbox (destination, sent_at) WHERE delivered_at IS NULL;
