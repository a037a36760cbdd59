-- A division's queue filled quickly for page and paging tests and for the
-- console benchmark: :n open tasks of division :division (category
-- :category), written straight into cases and tasks in one statement
-- instead of one submission each. Kinds rotate over the four; about 70% are
-- waiting to be signed (response deadline), 30% signed (completion
-- deadline); deadlines spread from 10% overdue to three weeks ahead, each
-- with its warning point at 75% of its window, as dispatch would stamp them.
--   psql -v division=standards -v category=standards -v n=10000 -f seed_queue.sql
WITH c AS (
  INSERT INTO cases (case_number, query_code_sha256, channel, kind, category, priority, subject,
                     description, first_responder, recorded_by, state, source, created_at)
  SELECT case_number_next(now()),
         sha256(convert_to('seed' || i, 'UTF8')), 'hotline',
         (ARRAY['complaint', 'report', 'enquiry', 'suggestion'])[1 + i % 4], :'category',
         CASE WHEN i % 50 = 0 THEN 'urgent' ELSE 'normal' END,
         '批量工单 ' || i || ' 号：' || (ARRAY['计量器具检定', '标准执行情况', '产品质量抽查', '办事流程咨询'])[1 + i % 4],
         '用于分页与性能测试的工单', 'op001', 'op001', 'dispatched', 'seed',
         now() - interval '1 day'
  FROM generate_series(1, :n) AS i
  RETURNING id
), t AS (
  SELECT id, row_number() OVER (ORDER BY id) AS i FROM c
)
INSERT INTO tasks (case_id, division, role, state, dispatched_at, response_due, response_warn,
                   completion_due, completion_warn, signed_at, handler)
SELECT t.id, :'division', 'lead', CASE WHEN t.i % 10 < 7 THEN 'dispatched' ELSE 'signed' END,
       now() - interval '1 day',
       now() + ((t.i % 500) - 50) * interval '1 hour' / 20,
       now() + ((t.i % 500) - 50) * interval '1 hour' / 20 - interval '2 hours',
       now() + ((t.i % 500) - 50) * interval '1 hour',
       now() + ((t.i % 500) - 50) * interval '1 hour' - interval '3 days',
       CASE WHEN t.i % 10 < 7 THEN NULL ELSE now() - interval '20 hours' END,
       NULL
FROM t;
