-- A case's state changes at every stage (triaged, dispatched, replied, ...),
-- the hottest writes there are. PostgreSQL can make such an update HOT (a new
-- row version on the same page, no index touched) only when no index depends
-- on a column it changes, the predicates of partial indexes included. So no
-- index on cases depends on state: the duplicate lookup filters state at the
-- row, the open-cases-per-first-responder count reads closed_at (set only at
-- closure), and pages keep room for the new versions.
ALTER TABLE cases SET (fillfactor = 70);

DROP INDEX cases_first_responder_open_idx;
CREATE INDEX cases_first_responder_open_idx ON cases (first_responder) WHERE closed_at IS NULL;

DROP INDEX cases_duplicate_idx;
CREATE INDEX cases_duplicate_idx
    ON cases ((regexp_replace(requester_phone, '[^0-9]', '', 'g')), category, created_at)
    WHERE requester_phone IS NOT NULL;
