-- Deadline watch, escalation and accountability: alerts raised by the watch
-- service, violations counted per division and handler, and the decisions
-- the inspection office records. Bulletins (005) read these.

-- One row per warning, breach or escalation of one deadline of one task.
-- The unique key makes raising an alert idempotent: several watch instances,
-- or one restarted after kill -9, never raise the same alert twice.
CREATE TABLE alerts (
    id bigserial PRIMARY KEY,
    task_id bigint NOT NULL REFERENCES tasks (id),
    case_id bigint NOT NULL REFERENCES cases (id),
    division text NOT NULL REFERENCES divisions (code),
    handler text REFERENCES staff (code),
    deadline text NOT NULL CHECK (deadline IN ('response', 'completion')),
    kind text NOT NULL CHECK (kind IN ('warning', 'breach', 'escalation')),
    level integer NOT NULL DEFAULT 0,        -- 0 for warnings; 1.. for breach and escalations
    due_at timestamptz NOT NULL,             -- the deadline this alert is about
    raised_at timestamptz NOT NULL DEFAULT now(),
    violations integer NOT NULL DEFAULT 0,   -- the division's count over the ladder period
    rung text,                               -- accountability rung that count reaches
    repeats integer NOT NULL DEFAULT 0,      -- times re-sent while unacknowledged
    next_repeat_at timestamptz,
    acknowledged_at timestamptz,
    acknowledged_by text REFERENCES staff (code),
    decision text,
    UNIQUE (task_id, deadline, kind, level)
);

CREATE INDEX alerts_open_idx ON alerts (raised_at) WHERE acknowledged_at IS NULL AND kind <> 'warning';
CREATE INDEX alerts_division_idx ON alerts (division, raised_at);

-- Violations counted for the accountability ladder (DESIGN.md rule 7).
CREATE TABLE violations (
    id bigserial PRIMARY KEY,
    division text NOT NULL REFERENCES divisions (code),
    handler text REFERENCES staff (code),
    case_id bigint NOT NULL REFERENCES cases (id),
    task_id bigint REFERENCES tasks (id),
    kind text NOT NULL CHECK (kind IN ('response_overdue', 'completion_overdue',
                                       'groundless_return', 'reopen')),
    at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (task_id, kind)
);

CREATE INDEX violations_division_idx ON violations (division, at);

-- What people decided (duban recommends a rung; it never decides).
CREATE TABLE accountability_decisions (
    id bigserial PRIMARY KEY,
    alert_id bigint REFERENCES alerts (id),
    division text NOT NULL REFERENCES divisions (code),
    handler text REFERENCES staff (code),
    recommended_rung text,
    decision text NOT NULL,
    decided_by text NOT NULL REFERENCES staff (code),
    decided_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX tasks_updated_idx ON tasks (updated_at);
