-- Progress reports on the rhythms a plan names (issue 15): besides monthly by
-- the nth working day, quarterly by the nth working day of each quarter's
-- first month, and every n working days (5: weekly in a week without a
-- holiday). report_day is that n (services/dispatch/
-- dispatch_workitem_schedule.h computes the dues from it). The report tasks
-- of existing items are as they were: only what may be stored widens.
ALTER TABLE work_items
    DROP CONSTRAINT work_items_report_rhythm_check,
    ADD CONSTRAINT work_items_report_rhythm_check
        CHECK (report_rhythm IN ('none', 'monthly', 'quarterly', 'working_days')),
    DROP CONSTRAINT work_items_report_day_check,
    ADD CONSTRAINT work_items_report_day_check CHECK (report_day BETWEEN 1 AND 60
        AND (report_day <= 23 OR report_rhythm = 'working_days'));
