-- Work items (030) are cases (kind workitem, source 'workitem'), but not the
-- public's requests: the complaint figures of the bulletins (received,
-- response, on time, satisfaction, hot topics ...) leave them out as they
-- leave out flagged and benchmark cases (NOT_COUNTED_CASE in
-- services/bulletin/bulletin_query.c), and their own section will count
-- them (deploy/schema/README-workitems.md). The anti-join's partial index
-- takes them in.
UPDATE cases SET source = 'workitem' WHERE kind = 'workitem' AND source IS DISTINCT FROM 'workitem';
DROP INDEX cases_not_counted_idx;
CREATE INDEX cases_not_counted_idx ON cases (id)
    WHERE flagged OR source IN ('benchmark', 'workitem');
