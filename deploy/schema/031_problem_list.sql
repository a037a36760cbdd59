-- The problem list (问题清单) and the rectification list (整改清单), issue 15:
-- problems collected from enterprises and the public, entered by staff with
-- their source (a visit, the mailbox, a survey, a complaint case ...), are
-- reviewed by the inspection office; an accepted problem becomes a
-- rectification item (整改事项): a work item (030) of source 'problem' with
-- its responsible division, responsible person, measure and deadline, made
-- in the same statement as the review (dispatch_problem.c). A problem is
-- reviewed once.
CREATE TABLE problems (
    id bigserial PRIMARY KEY,
    ref text NOT NULL UNIQUE,             -- the filer's key: a re-sent filing files nothing twice
    source text NOT NULL CHECK (source IN ('visit', 'mailbox', 'survey', 'letter', 'online',
                                           'assessment', 'meeting', 'case')),
    source_detail text,
    case_id bigint REFERENCES cases (id), -- source 'case': the complaint it came from
    plan text REFERENCES plans (code),
    title text NOT NULL,
    description text NOT NULL,
    division_hint text REFERENCES divisions (code),
    filed_by text NOT NULL REFERENCES staff (code),
    filed_at timestamptz NOT NULL,
    state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'rejected')),
    reviewed_by text REFERENCES staff (code),
    reviewed_at timestamptz,
    review_reason text,
    rectification_case_id bigint REFERENCES cases (id),
    CHECK ((state = 'accepted') = (rectification_case_id IS NOT NULL))
);

CREATE INDEX problems_state_idx ON problems (state, id);

-- A rectification item's problem, responsible person and measure.
ALTER TABLE work_items
    ADD COLUMN problem_id bigint REFERENCES problems (id),
    ADD COLUMN responsible_staff text REFERENCES staff (code),
    ADD COLUMN measure text,
    ADD CONSTRAINT work_items_rectification_check
        CHECK (source <> 'problem' OR (problem_id IS NOT NULL AND responsible_staff IS NOT NULL
                                       AND measure IS NOT NULL));

GRANT SELECT, INSERT, UPDATE ON problems TO duban_dispatch;
GRANT USAGE ON SEQUENCE problems_id_seq TO duban_dispatch;
GRANT SELECT ON problems TO duban_intake, duban_bulletin, duban_admin;
