-- Two indexes of tasks that no query needs (issue 13), each a write on every
-- task inserted and on every update that is not heap-only:
--  * tasks_case_idx (case_id, id) is a prefix of tasks_round_key (case_id,
--    division, role, round): every lookup of a case's tasks (the next round,
--    the divisions of a case, the lead task, the staff's and the public's case
--    pages, the arbitration board) reads tasks_round_key instead, and the few
--    tasks of a case are sorted by id in memory;
--  * tasks_open_due_idx (completion_due) WHERE state IN ('dispatched',
--    'signed') is covered by tasks_completion_due_idx (completion_due); the
--    extension list reads tasks_extension_requested_idx and the division
--    queue and console tasks_division_queue_idx.
-- Checked with EXPLAIN over 360,000 tasks: every plan that used either index
-- uses the one named above once it is gone.
DROP INDEX tasks_case_idx;
DROP INDEX tasks_open_due_idx;
