-- Cases a benchmark filed (dubanctl bench, intake's X-Duban-Benchmark from
-- an administrator: cases.source = 'benchmark') are counted in no figure,
-- like cases on the watch list (flagged). The bulletins leave both out by
-- an anti-join on this small partial index (source never changes after
-- intake, so it costs a case's updates nothing: 007_hot_case_updates.sql).
CREATE INDEX cases_not_counted_idx ON cases (id) WHERE flagged OR source = 'benchmark';
