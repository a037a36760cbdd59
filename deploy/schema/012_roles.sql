-- Who may do what in the database (deploy/schema/README.md explains the
-- scheme). duban_owner owns every object and runs the migrations; each
-- service logs in as its own role, which holds only what that service's
-- statements need; duban_admin is dubanctl's role for the commands that work
-- on the database directly (staff and tokens, the watch list, Open311
-- clients, bulletins on demand and re-checks, the history import). None of
-- them is a superuser or may run programs or read files on the server.
-- `dubanctl roles` makes the roles before any migration runs.
--
-- A migration that adds a table grants it here, in its own file, to the
-- roles whose statements use it, or records it in schema_ungranted when no
-- role but the owner is to touch it: `dubanctl setup` refuses a schema with a
-- table that is neither, and a role that may insert into a table but not
-- take ids from its sequence.

-- Nobody else connects to this database or creates anything in it.
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO duban_intake, duban_triage, duban_dispatch,'
                   ' duban_watch, duban_bulletin, duban_admin', current_database());
END
$$;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO duban_intake, duban_triage, duban_dispatch, duban_watch,
    duban_bulletin, duban_admin;

-- Reference data: loaded by `dubanctl setup` (the owner) from the org file.
GRANT SELECT ON divisions, categories, kinds, channels TO duban_intake, duban_triage,
    duban_dispatch, duban_watch, duban_bulletin, duban_admin;
-- Staff and their tokens: read to authenticate (intake's API, the division
-- and inspection consoles); only dubanctl adds staff and issues or revokes
-- tokens.
GRANT SELECT ON staff, staff_tokens TO duban_intake, duban_dispatch, duban_watch;
GRANT SELECT, INSERT ON staff TO duban_admin;
GRANT SELECT, INSERT, UPDATE ON staff_tokens TO duban_admin;
GRANT USAGE ON SEQUENCE staff_tokens_id_seq TO duban_admin;
GRANT SELECT ON open311_clients TO duban_intake;
GRANT SELECT, INSERT, UPDATE ON open311_clients TO duban_admin;
GRANT USAGE ON SEQUENCE open311_clients_id_seq TO duban_admin;
GRANT SELECT ON watchlist TO duban_intake;
GRANT SELECT, INSERT, UPDATE ON watchlist TO duban_admin;

-- Cases: intake takes them in, triage, dispatch and the look-back re-check
-- move them on; nobody deletes one.
GRANT SELECT, INSERT ON cases TO duban_intake, duban_admin;
-- (intake changes nothing of a case but whether it may be published, 010)
GRANT UPDATE (confidential) ON cases TO duban_intake;
GRANT SELECT, UPDATE ON cases TO duban_triage, duban_dispatch, duban_bulletin, duban_admin;
GRANT SELECT ON cases TO duban_watch;
GRANT USAGE ON SEQUENCE cases_id_seq TO duban_intake, duban_admin;
GRANT EXECUTE ON FUNCTION case_number_next(timestamptz) TO duban_intake, duban_admin;
GRANT SELECT, INSERT, UPDATE ON idempotency_keys TO duban_intake;

-- Tasks: made and moved by dispatch, reopened by a failed re-check, replayed
-- by the history import (which brings a task up to date when a later cut of
-- the ledger is imported: INSERT ... ON CONFLICT DO UPDATE); read by intake's
-- API and watch.
GRANT SELECT, INSERT, UPDATE ON tasks TO duban_dispatch, duban_admin;
GRANT SELECT, INSERT ON tasks TO duban_bulletin;
GRANT SELECT ON tasks TO duban_intake, duban_watch;
GRANT USAGE ON SEQUENCE tasks_id_seq TO duban_dispatch, duban_bulletin, duban_admin;

-- The event log is appended to, never changed.
GRANT SELECT, INSERT ON case_events TO duban_intake, duban_triage, duban_dispatch, duban_bulletin,
    duban_admin;
GRANT SELECT ON case_events TO duban_watch;
GRANT USAGE ON SEQUENCE case_events_id_seq TO duban_intake, duban_triage, duban_dispatch,
    duban_bulletin, duban_admin;

-- The outbox: every service writes its messages, sends them (claims), marks
-- what it consumed delivered (or records its refusal) and prunes delivered
-- rows; dubanctl writes the messages of the steps it takes itself
-- (bulletins, re-checks) and retries or drops parked ones (dubanctl outbox).
GRANT SELECT, INSERT, UPDATE, DELETE ON outbox TO duban_intake, duban_triage, duban_dispatch,
    duban_watch, duban_bulletin;
GRANT SELECT, INSERT, UPDATE ON outbox TO duban_admin;
GRANT USAGE ON SEQUENCE outbox_id_seq TO duban_intake, duban_triage, duban_dispatch, duban_watch,
    duban_bulletin, duban_admin;

-- Deadline watch: alerts, violations and the decisions recorded on them are
-- watch's; the bulletins read them; the history import replays them.
GRANT SELECT, INSERT, UPDATE ON alerts TO duban_watch;
GRANT SELECT, INSERT ON violations, accountability_decisions TO duban_watch;
GRANT SELECT ON alerts, violations, accountability_decisions TO duban_bulletin;
GRANT SELECT, INSERT ON alerts, violations TO duban_admin;
GRANT SELECT ON accountability_decisions TO duban_admin;
GRANT USAGE ON SEQUENCE alerts_id_seq, violations_id_seq, accountability_decisions_id_seq
    TO duban_watch;
GRANT USAGE ON SEQUENCE alerts_id_seq, violations_id_seq TO duban_admin;

-- Bulletins and their re-checks: published by the bulletin service or on
-- demand by dubanctl, which may also replace one (--replace) and decides the
-- re-checks.
GRANT SELECT, INSERT, UPDATE ON bulletins, bulletin_rechecks TO duban_bulletin;
GRANT SELECT, INSERT, UPDATE, DELETE ON bulletins, bulletin_rechecks TO duban_admin;
GRANT USAGE ON SEQUENCE bulletins_id_seq, bulletin_rechecks_id_seq TO duban_bulletin, duban_admin;

-- Tables only the owner touches.
INSERT INTO schema_ungranted (name, reason) VALUES
    ('case_number_days', 'written only through case_number_next(), which runs as the owner');
