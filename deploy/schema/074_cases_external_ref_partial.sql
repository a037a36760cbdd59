-- A case without an external reference writes no entry for it (issue 13,
-- fewer writes per case).
--
-- 002 made external_ref UNIQUE, an index of every case; but only imported
-- cases (the API's external_ref: CSV and history imports) and work items
-- have a reference, and a B-tree keeps an entry for NULL too. A
-- hotline, web or letter case wrote one entry no query reads (the
-- lookups of a reference ask for one that is not NULL), and intake's
-- ON CONFLICT on it made every new case a speculative insertion: one more
-- WAL record to confirm it. Together about 115 bytes of WAL per case.
-- The same rule, one reference one case, now holds over the cases that
-- have one; the ON CONFLICT of intake and dispatch name this predicate,
-- and intake inserts cases without a reference by a plain INSERT.
ALTER TABLE cases DROP CONSTRAINT cases_external_ref_key;
CREATE UNIQUE INDEX cases_external_ref_key ON cases (external_ref) WHERE external_ref IS NOT NULL;
