-- The division workflow: deadlines on tasks, sign / return / reply, material
-- pauses and extensions, arbitration of disputed returns, informing the
-- requester, callbacks, closure and reopening, duplicates.

ALTER TABLE cases DROP CONSTRAINT cases_state_check;
ALTER TABLE cases ADD CONSTRAINT cases_state_check
    CHECK (state IN ('received', 'needs_triage', 'triaged', 'dispatched', 'arbitration',
                     'replied', 'informed', 'closed', 'merged'));

ALTER TABLE cases
    ADD COLUMN duplicate_of bigint REFERENCES cases (id),
    ADD COLUMN returns integer NOT NULL DEFAULT 0,
    ADD COLUMN reopened integer NOT NULL DEFAULT 0,
    ADD COLUMN result text,
    ADD COLUMN replied_at timestamptz,
    ADD COLUMN informed_at timestamptz,
    ADD COLUMN satisfaction text CHECK (satisfaction IN ('satisfied', 'basically', 'unsatisfied')),
    ADD COLUMN closed_at timestamptz;

-- The same requester (phone digits, however written) about the same category.
CREATE INDEX cases_duplicate_idx
    ON cases ((regexp_replace(requester_phone, '[^0-9]', '', 'g')), category, created_at)
    WHERE state NOT IN ('closed', 'merged');

ALTER TABLE tasks DROP CONSTRAINT tasks_state_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_state_check
    CHECK (state IN ('dispatched', 'signed', 'returned', 'replied'));

-- A case may be dispatched to the same division again (after a reopen, or
-- when arbitration names a division that had returned it): the unique key
-- becomes the round of dispatch.
ALTER TABLE tasks DROP CONSTRAINT tasks_case_id_division_role_key;
ALTER TABLE tasks
    ADD COLUMN round integer NOT NULL DEFAULT 1,
    ADD COLUMN response_due timestamptz,
    ADD COLUMN completion_due timestamptz,
    ADD COLUMN response_warn timestamptz,
    ADD COLUMN completion_warn timestamptz,
    ADD COLUMN signed_at timestamptz,
    ADD COLUMN handler text REFERENCES staff (code),
    ADD COLUMN returned_at timestamptz,
    ADD COLUMN return_reason text,
    ADD COLUMN return_to text,
    ADD COLUMN replied_at timestamptz,
    ADD COLUMN result text,
    ADD COLUMN paused_at timestamptz,
    ADD COLUMN paused_total interval NOT NULL DEFAULT '0',
    ADD COLUMN extension_state text CHECK (extension_state IN ('requested', 'granted', 'refused')),
    ADD COLUMN extension_by interval,
    ADD COLUMN extension_reason text,
    ADD COLUMN arbitrated boolean NOT NULL DEFAULT false,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE tasks ADD CONSTRAINT tasks_round_key UNIQUE (case_id, division, role, round);

CREATE INDEX tasks_case_idx ON tasks (case_id, id);
CREATE INDEX tasks_open_due_idx ON tasks (completion_due) WHERE state IN ('dispatched', 'signed');
CREATE INDEX case_events_at_idx ON case_events (at);
