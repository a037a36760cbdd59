-- An alert records the handler's violation count as it was when raised, as it
-- does the division's (violations): the inspection office's snapshot then
-- shows the same figures as the live alert did. NULL: no handler had signed.
ALTER TABLE alerts ADD COLUMN handler_violations integer;
