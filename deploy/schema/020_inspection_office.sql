-- The inspection office's and the leaders' console (the staff web console's
-- board, decision queues, bulletins and dashboard; intake_board.h,
-- bulletin_console.h).
--
-- The bureau's leaders (局领导) get a role of their own: they read the
-- console (the month so far, the board, the bulletins, any case without the
-- requester's personal data) and may do nothing; every step, ack, re-check
-- and bulletin run refuses them (common/auth.c, the workflow's rules, watch
-- and the bulletin console).
ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check
    CHECK (role IN ('operator', 'clerk', 'handler', 'inspector', 'admin', 'leader'));

-- The queues the inspection office decides from are few rows of large
-- tables: cases waiting for arbitration and tasks whose extension request
-- waits, each read through its own partial index.
CREATE INDEX cases_arbitration_idx ON cases (updated_at) WHERE state = 'arbitration';
CREATE INDEX tasks_extension_requested_idx ON tasks (completion_due)
    WHERE extension_state = 'requested';

-- The bulletin service now checks the tokens of the staff who reach it
-- through its console, as intake, dispatch and watch do. Where the services
-- have database roles of their own (deploy/schema/README.md), its role reads
-- what authenticating needs and records a session's use.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'duban_bulletin') THEN
        GRANT SELECT (code, name, role, division, active) ON staff TO duban_bulletin;
        GRANT SELECT ON staff_tokens TO duban_bulletin;
        GRANT SELECT, UPDATE (last_seen_at) ON staff_sessions TO duban_bulletin;
    END IF;
END
$$;
