-- A case's events are keyed by (case_id, id), the order every reader of
-- them uses: the timeline of a case (staff, public page, Open311), the
-- board's latest event, the Open311 status of an event (a return before
-- it). That is what case_events_case_idx held; the unique index on id
-- alone served only the reference from an Open311 follow-up to its event,
-- which names the case as well (issue 13).
--
-- So each event wrote three index entries and now writes two (the key and
-- case_events_at_idx, by instant, for notices and bulletins): a case's way
-- in writes three events (received, triaged, dispatched), about 210 bytes
-- of WAL less per case. id stays a bigserial, unique by its sequence.
ALTER TABLE open311_updates DROP CONSTRAINT open311_updates_event_id_fkey;
ALTER TABLE case_events DROP CONSTRAINT case_events_pkey;
DROP INDEX case_events_case_idx;
ALTER TABLE case_events ADD CONSTRAINT case_events_pkey PRIMARY KEY (case_id, id);
ALTER TABLE open311_updates ADD CONSTRAINT open311_updates_event_fkey
    FOREIGN KEY (case_id, event_id) REFERENCES case_events (case_id, id);
