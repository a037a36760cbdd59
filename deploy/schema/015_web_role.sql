-- The staff web console (duban-web, with its sessions from 014) connects as
-- duban_web (deploy/schema/README.md): it checks passwords, opens and ends
-- sessions, and authenticates as the other services do; the pages' data
-- come through intake's API, not from here.
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO duban_web', current_database());
END
$$;
GRANT USAGE ON SCHEMA public TO duban_web;
GRANT SELECT ON staff, staff_tokens TO duban_web;
GRANT SELECT, INSERT, UPDATE ON staff_sessions TO duban_web;
GRANT USAGE ON SEQUENCE staff_sessions_id_seq TO duban_web;

-- A session is checked wherever a token is (common/auth.c), and each check
-- records its use.
GRANT SELECT, UPDATE (last_seen_at) ON staff_sessions TO duban_intake, duban_dispatch, duban_watch;

-- Password hashes are for the console's sign-in alone: the services that
-- only authenticate read every column of staff but that one.
REVOKE SELECT ON staff FROM duban_intake, duban_dispatch, duban_watch;
GRANT SELECT (code, name, role, division, active) ON staff TO duban_intake, duban_dispatch,
    duban_watch;

-- dubanctl staff passwd sets a password and ends that person's sessions.
GRANT UPDATE (password_hash) ON staff TO duban_admin;
GRANT SELECT, UPDATE (revoked_at) ON staff_sessions TO duban_admin;
