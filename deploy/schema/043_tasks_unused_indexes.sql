-- Two more indexes of tasks that no query reads (issue 13), each an entry
-- written for every task dispatched (and for every update of the columns they
-- cover that is not heap-only):
--  * tasks_response_due_idx (response_due): no statement filters or sorts
--    tasks by response_due alone; the console and the division queue sort by
--    the due instant of the task's state (tasks_division_queue_idx), watch
--    reads tasks by id, a return's guard checks the deadline of the one task
--    it found by id (tasks_pkey);
--  * tasks_open_span_idx, a GiST index on bulletin_open_span(dispatched_at,
--    replied_at, returned_at): the census of open tasks at an instant reads
--    task_clocks (task_clocks_span_idx, 016) and closed months are frozen
--    (026); no statement calls bulletin_open_span any more. A GiST insert is
--    also the costliest of the entries a task writes.
-- Measured with pg_walinspect over 3,000 benchmark cases: 67 and 117 bytes
-- of WAL per case; pg_stat_user_indexes counted no scan of either, and the
-- plans of the statements that read tasks by a time (the month-check's
-- FROM_TO on dispatched_at and replied_at, watch's overdue count on
-- completion_due) are the same with and without them.
DROP INDEX tasks_response_due_idx;
DROP INDEX tasks_open_span_idx;
