-- Supervised work items (督办事项, issue 15): a plan's task, a leader's
-- instruction (领导批示), a meeting decision or a rectification item from the
-- problem list, tracked to 销号 on the complaint workflow's own machinery.
--
-- A work item is a case of kind 'workitem' (channel 'office': the inspection
-- office files it) whose tasks are dispatched at once, without triage: a lead
-- task to the lead division, co-handling tasks to the responsible divisions,
-- and one 'report' task to the lead division per progress report due (the
-- report rhythm), each with its deadline. Tasks, deadlines (tasks and their
-- clock history, task_clocks), warnings, alerts, escalation, violations and
-- the ladder are the complaints' own: watch treats a report task like any
-- other, so a report not filed by its deadline is warned, breached and
-- escalated like a missed reply. A case of kind 'workitem' is closed only
-- by the inspection office's accepted verification of the lead division's
-- completion report (dispatch_rules_workitem.c; the step statements repeat
-- the guard).
--
-- What the public pages (晾晒) and the bulletins read is listed in
-- deploy/schema/README-workitems.md.
INSERT INTO kinds (code, name) VALUES ('workitem', '督办事项') ON CONFLICT (code) DO NOTHING;
INSERT INTO channels (code, name) VALUES ('office', '督查立项') ON CONFLICT (code) DO NOTHING;

ALTER TABLE tasks DROP CONSTRAINT tasks_role_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_role_check CHECK (role IN ('lead', 'co', 'report'));

-- A plan (e.g. the 2017 business-environment plan) and its dated phases.
CREATE TABLE plans (
    code text PRIMARY KEY,
    title text NOT NULL,
    issued_by text,
    issued_on date,
    imported_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE plan_phases (
    plan text NOT NULL REFERENCES plans (code),
    seq integer NOT NULL,
    name text NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    PRIMARY KEY (plan, seq),
    CHECK (ends_on >= starts_on)
);

CREATE TABLE work_items (
    case_id bigint PRIMARY KEY REFERENCES cases (id),
    ref text NOT NULL UNIQUE,             -- the creator's key: a re-sent creation makes nothing twice
    source text NOT NULL CHECK (source IN ('plan', 'instruction', 'meeting', 'problem')),
    plan text REFERENCES plans (code),
    phase integer,                        -- plan_phases.seq
    leaders text[] NOT NULL DEFAULT '{}', -- lead leaders (牵头领导): staff with the leader role
    lead_division text NOT NULL REFERENCES divisions (code),
    divisions text[] NOT NULL DEFAULT '{}', -- responsible divisions (责任单位), co-handling
    named_units text,                     -- the units as the source names them (各处室、相关事业单位)
    starts_at timestamptz NOT NULL,       -- the clocks start (a plan phase's opening)
    deadline timestamptz NOT NULL,
    report_rhythm text NOT NULL DEFAULT 'none' CHECK (report_rhythm IN ('none', 'monthly')),
    report_day integer CHECK (report_day BETWEEN 1 AND 23), -- monthly: by the nth working day
    leader_assigned boolean NOT NULL,     -- a division may not return it (only ask to reassign)
    percent integer NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
    completion_summary text,              -- the completion report's text (public part)
    verification text NOT NULL DEFAULT 'none'
        CHECK (verification IN ('none', 'awaiting', 'accepted', 'sent_back')),
    verified_at timestamptz,
    verified_by text REFERENCES staff (code),
    created_by text NOT NULL REFERENCES staff (code),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (deadline > starts_at)
);

CREATE INDEX work_items_plan_idx ON work_items (plan, phase);
CREATE INDEX work_items_lead_idx ON work_items (lead_division);

-- Milestones (a plan's phases, or dates the creator sets) of an item.
CREATE TABLE work_item_milestones (
    case_id bigint NOT NULL REFERENCES work_items (case_id),
    seq integer NOT NULL,
    title text NOT NULL,
    due timestamptz NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- Progress and completion reports, as filed (the timeline has them too).
CREATE TABLE work_item_reports (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES work_items (case_id),
    task_id bigint NOT NULL REFERENCES tasks (id),
    report_task bigint REFERENCES tasks (id), -- the due report it met, if any
    division text NOT NULL REFERENCES divisions (code),
    kind text NOT NULL CHECK (kind IN ('progress', 'completion')),
    percent integer CHECK (percent BETWEEN 0 AND 100),
    text text NOT NULL,
    actor text NOT NULL REFERENCES staff (code),
    at timestamptz NOT NULL
);

CREATE INDEX work_item_reports_case_idx ON work_item_reports (case_id, id);

-- Verifications by the inspection office (核验): accepted (销号) or sent back.
CREATE TABLE work_item_verifications (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES work_items (case_id),
    accepted boolean NOT NULL,
    reason text NOT NULL,
    actor text NOT NULL REFERENCES staff (code),
    at timestamptz NOT NULL
);

CREATE INDEX work_item_verifications_case_idx ON work_item_verifications (case_id, id);

-- Who may use them (deploy/schema/README.md): dispatch makes work items (the
-- case, its tasks and reports: it now inserts cases and numbers them),
-- intake and the bulletins read them, dubanctl records plans and reads
-- everything.
GRANT INSERT ON cases TO duban_dispatch;
GRANT USAGE ON SEQUENCE cases_id_seq TO duban_dispatch;
GRANT EXECUTE ON FUNCTION case_number_next(timestamptz) TO duban_dispatch;
GRANT SELECT ON plans, plan_phases TO duban_dispatch;
GRANT SELECT, INSERT, UPDATE ON work_items TO duban_dispatch;
GRANT SELECT, INSERT ON work_item_milestones, work_item_reports, work_item_verifications
    TO duban_dispatch;
GRANT USAGE ON SEQUENCE work_item_reports_id_seq, work_item_verifications_id_seq
    TO duban_dispatch;
GRANT SELECT ON plans, plan_phases, work_items, work_item_milestones, work_item_reports,
    work_item_verifications TO duban_intake, duban_bulletin, duban_admin;
GRANT INSERT, UPDATE ON plans, plan_phases TO duban_admin;
