-- The references to cases that every case's way in checked, and whose
-- checks protect nothing the application does not already guarantee
-- (issue 13; 069 did the same for the references to tasks).
--
-- Each check ran as a query per row inserted (three events, a task, a key
-- or a photo per case) and locked the case's row (FOR KEY SHARE): in
-- intake's, triage's and dispatch's transaction alike, three LOCK records
-- of 54 bytes per case, 165 bytes of WAL with their page changes, plus the
-- trigger queries' CPU. 069 left these to be weighed together: the case's
-- row is locked by whichever is checked first in a transaction, so only
-- all of them gone saves the lock.
--
--  * Every row that names a case takes its id from a row of cases that the
--    same statement inserted, updated or read: intake's insert (events,
--    photos, the idempotency key's case), triage's and dispatch's guarded
--    updates of the case (their events and tasks), the console's steps,
--    the bulletin's re-check and reopen (the re-check's own case, a checked
--    reference), the history import (the ids its upsert of cases returned),
--    Open311 follow-ups (the case read by its number).
--  * Nothing can come to point at nothing later: no case is ever deleted
--    (no role holds DELETE on cases, 012; integration/db_roles).
-- e2e/workflow and e2e/bulletin_history_import check every reference after
-- every kind of step and import.
--
-- Kept: the references from tables written off the way in (alerts,
-- violations, re-checks, work items, problems, attachments, Open311
-- updates), which cost nothing per case.
ALTER TABLE case_events DROP CONSTRAINT IF EXISTS case_events_case_id_fkey;
ALTER TABLE tasks DROP CONSTRAINT IF EXISTS tasks_case_id_fkey;
ALTER TABLE idempotency_keys DROP CONSTRAINT IF EXISTS idempotency_keys_case_id_fkey;
ALTER TABLE case_photos DROP CONSTRAINT IF EXISTS case_photos_case_id_fkey;
