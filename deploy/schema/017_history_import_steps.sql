-- The history import (dubanctl import-history) keeps, for each case it
-- stored, how many steps of the ledger entry it has replayed and the
-- SHA-256 of what they said: an entry kept up later (more steps) adds only
-- its later steps, and only when its earlier steps are those stored.
ALTER TABLE cases
    ADD COLUMN import_steps integer,
    ADD COLUMN import_digest text;
