-- Look-back (回头看) of work items (issue 15): a month-check draws the work
-- items closed (销号) in the month as it draws the complaints closed
-- (deploy/bulletin/README.md), and a failed re-check reopens the item: the
-- re-check (the bulletin service's console, dubanctl) sets its verification
-- back to none, so that 销号 again needs a completion report and an accepted
-- verification (services/bulletin/bulletin_recheck.c).
GRANT UPDATE (verification) ON work_items TO duban_bulletin, duban_admin;
