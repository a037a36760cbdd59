-- The bulletins' work-item section (issue 15; deploy/bulletin/README.md,
-- "Work items"): items due and completed on time, progress reports missed,
-- verifications sent back, failed look-backs and public evaluations count
-- per division and month, and enter the score.
--
-- Verifications sent back are read by the instant they were made, a range
-- scan like every other figure family; evaluations have theirs (035).
CREATE INDEX work_item_verifications_sent_back_idx ON work_item_verifications (at)
    WHERE NOT accepted;

-- Months frozen before this file hold no work-item counts: forget them all,
-- so that the next bulletin reads them from the rows again and stores them
-- with the section (bulletin_months_thaw, 026; "Frozen months").
SELECT bulletin_months_thaw('-infinity');
