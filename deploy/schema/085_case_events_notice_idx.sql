-- case_events_at_idx (at, 001) served one statement, the notices of the past
-- (GET /api/v1/notices, intake_notices.c), yet every event wrote an entry:
-- a case's way in writes three events (received, triaged, dispatched), and
-- so three entries no reader needed, 198 bytes of WAL a case (dubanctl
-- bench, pg_walinspect by relation). The bulletins and watch read events by
-- instant through case_events_bulletin_idx (019).
--
-- Notices are what a first responder or the inspection office would have
-- been told: the live feed (CaseNotice) is sent by the workflow's steps and
-- by a requester's follow-ups, never by the way in. The event log read for
-- them now leaves the way in out as well -- a case received, its automatic
-- triage (actor 'triage': triaged, needs_triage, duplicate, duplicate_linked)
-- and tasks dispatched (a re-dispatch is part of the step that caused it, a
-- return or an arbitration, whose own event is told) -- so the history says
-- what the live feed said, and the index holds only those events. The
-- statement spells the predicate as here (INTAKE_NOTICE_EVENT in
-- intake_notices.c), which lets its generic plan read the partial index.
DROP INDEX case_events_at_idx;
CREATE INDEX case_events_notice_idx ON case_events (at)
    WHERE type NOT IN ('received', 'dispatched') AND actor <> 'triage';
