-- Bulletins (issue 6): the published record of each period (month-check,
-- quarter-bulletin, half-year summary, year-end review), the look-back
-- re-checks a month-check draws for the inspection office, and the indexes
-- that let a period's figures read only that period's rows.
--
-- Figures are computed by indexed per-period queries (see
-- services/bulletin/bulletin_query.c and deploy/bulletin/README.md): every
-- flow figure is a range scan on the instant that defines it (dispatch,
-- response deadline, completion deadline, reply, event, alert), and the
-- census of overdue open tasks at an instant is one GiST lookup of the tasks
-- whose open span contains it, so a month of a ten-year database reads about
-- one month of rows.

-- One row per period: the JSON record exactly as published (type json keeps
-- the text byte for byte; jsonb would reorder it), the SHA-256 of that text,
-- and generation metadata kept outside the digest. The unique (kind, label)
-- makes publication exactly-once across bulletin instances and dubanctl.
CREATE TABLE bulletins (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('month', 'quarter', 'half', 'year')),
    label text NOT NULL,                    -- 2017-03, 2017-Q2, 2017-H1, 2017
    period_from timestamptz NOT NULL,
    period_to timestamptz NOT NULL,         -- exclusive
    record json NOT NULL,
    digest text NOT NULL,                   -- hex SHA-256 of record
    revision integer NOT NULL DEFAULT 1,    -- raised by an explicit re-publication (--replace)
    trigger text NOT NULL CHECK (trigger IN ('schedule', 'demand')),
    generated_by text NOT NULL,             -- instance (host:pid) or "dubanctl"
    created_at timestamptz NOT NULL DEFAULT now(),
    revised_at timestamptz,
    UNIQUE (kind, label)
);

-- Look-back (回头看) re-checks: a month-check's reproducible sample of each
-- division's closed cases, one task each for the inspection office. A failed
-- re-check reopens the case to the division (reopened_task_id).
CREATE TABLE bulletin_rechecks (
    id bigserial PRIMARY KEY,
    bulletin_id bigint NOT NULL REFERENCES bulletins (id),
    period text NOT NULL,
    case_id bigint NOT NULL REFERENCES cases (id),
    division text NOT NULL REFERENCES divisions (code),
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'passed', 'failed')),
    note text,
    decided_by text REFERENCES staff (code),
    decided_at timestamptz,
    reopened_task_id bigint REFERENCES tasks (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (period, case_id)
);

CREATE INDEX bulletin_rechecks_pending_idx ON bulletin_rechecks (division, id)
    WHERE state = 'pending';

-- The span during which a task was open: from dispatch to its reply or its
-- return (unbounded while open). Guarded so that a row with a reply stamped
-- before its dispatch gives an empty span instead of an error on insert.
CREATE FUNCTION bulletin_open_span(dispatched timestamptz, replied timestamptz,
                                   returned timestamptz) RETURNS tstzrange
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN tstzrange(dispatched,
                     CASE WHEN coalesce(replied, returned) < dispatched THEN dispatched
                          ELSE coalesce(replied, returned) END, '[)');

-- Per-period indexes. Writes pay for them (a task insert maintains five more
-- entries); the month-check over ten million tasks needs them.
CREATE INDEX tasks_dispatched_at_idx ON tasks (dispatched_at);
CREATE INDEX tasks_response_due_idx ON tasks (response_due);
CREATE INDEX tasks_completion_due_idx ON tasks (completion_due);
CREATE INDEX tasks_replied_at_idx ON tasks (replied_at) WHERE replied_at IS NOT NULL;
CREATE INDEX tasks_open_span_idx ON tasks
    USING gist (bulletin_open_span(dispatched_at, replied_at, returned_at));
CREATE INDEX case_events_bulletin_idx ON case_events (at)
    WHERE type IN ('returned', 'arbitrated', 'reopened', 'extension_granted', 'callback', 'closed');
CREATE INDEX alerts_raised_idx ON alerts (raised_at);
-- Watch-listed cases are kept out of every figure by an anti-join on this
-- small index.
CREATE INDEX cases_flagged_idx ON cases (id) WHERE flagged;
CREATE INDEX violations_at_idx ON violations (at);
