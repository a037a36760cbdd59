-- The references from cases and tasks to the organisation's codes
-- (channels, kinds, categories, divisions, staff), checked once per
-- statement instead of once per row, and without locking the code's row
-- (issue 13).
--
-- A foreign key checks each row it inserts with a query of its own, which
-- locks the referenced row (FOR KEY SHARE): a LOCK record of 54 bytes and a
-- dirtied page of the lookup table, once per code and transaction. A batch
-- of cases names a handful of categories, divisions and staff, and every
-- stage's transaction locks them again (several transactions at once share
-- the lock through a multixact): measured at 1,000 cases/s offered (batches
-- of 3 to 4 cases), 3.5 LOCK records per case, on staff, categories,
-- divisions, channels and kinds; dropping the eight checks took 180-260
-- bytes of WAL off each case (4,763-4,812 -> 4,548-4,585).
--
-- The checks are still wanted: the org file is loaded by dubanctl setup, and
-- a service started with a newer org file than the database's knows codes
-- the database does not. So each insert statement checks its new rows at
-- once against the codes (one anti-join, set-wise), and an update checks
-- the row only when it changes a code (WHEN, no call otherwise). Both
-- refuse with foreign_key_violation, as the keys did, so callers map the
-- refusal as before (class 23).
--
-- What the keys did besides, and why it is not lost: they kept a code from
-- being deleted or renamed while named. Codes are never deleted or renamed:
-- dubanctl setup adds codes and updates names; only the owner may delete
-- from these tables (012), and the triggers below refuse a delete, a
-- truncate and a change of a code even to the owner.

-- Dropping a key locks both of its tables ACCESS EXCLUSIVE; taken first and
-- at once, so that creating the triggers never upgrades a weaker lock that a
-- service's transaction waits behind (a deadlock while services run).
LOCK TABLE cases, tasks, channels, kinds, categories, divisions, staff IN ACCESS EXCLUSIVE MODE;

CREATE FUNCTION cases_codes_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    missing text;
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        SELECT m INTO missing FROM (
            SELECT 'channel ' || quote_literal(n.channel) AS m FROM cases_new n
             WHERE n.channel IS NOT NULL AND NOT EXISTS (SELECT 1 FROM channels c WHERE c.code = n.channel)
            UNION ALL SELECT 'kind ' || quote_literal(n.kind) FROM cases_new n
             WHERE n.kind IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kinds c WHERE c.code = n.kind)
            UNION ALL SELECT 'category ' || quote_literal(n.category) FROM cases_new n
             WHERE n.category IS NOT NULL AND NOT EXISTS (SELECT 1 FROM categories c WHERE c.code = n.category)
            UNION ALL SELECT 'division ' || quote_literal(n.lead_hint) FROM cases_new n
             WHERE n.lead_hint IS NOT NULL AND NOT EXISTS (SELECT 1 FROM divisions c WHERE c.code = n.lead_hint)
            UNION ALL SELECT 'staff ' || quote_literal(n.first_responder) FROM cases_new n
             WHERE n.first_responder IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staff c WHERE c.code = n.first_responder)
            UNION ALL SELECT 'staff ' || quote_literal(n.recorded_by) FROM cases_new n
             WHERE n.recorded_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staff c WHERE c.code = n.recorded_by)
        ) AS bad LIMIT 1;
    ELSE
        missing := CASE
            WHEN NEW.channel IS NOT NULL AND NOT EXISTS (SELECT 1 FROM channels WHERE code = NEW.channel)
                THEN 'channel ' || quote_literal(NEW.channel)
            WHEN NEW.kind IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kinds WHERE code = NEW.kind)
                THEN 'kind ' || quote_literal(NEW.kind)
            WHEN NEW.category IS NOT NULL AND NOT EXISTS (SELECT 1 FROM categories WHERE code = NEW.category)
                THEN 'category ' || quote_literal(NEW.category)
            WHEN NEW.lead_hint IS NOT NULL AND NOT EXISTS (SELECT 1 FROM divisions WHERE code = NEW.lead_hint)
                THEN 'division ' || quote_literal(NEW.lead_hint)
            WHEN NEW.first_responder IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staff WHERE code = NEW.first_responder)
                THEN 'staff ' || quote_literal(NEW.first_responder)
            WHEN NEW.recorded_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staff WHERE code = NEW.recorded_by)
                THEN 'staff ' || quote_literal(NEW.recorded_by)
        END;
    END IF;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "cases" names an unknown code: %', missing
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'The org file has codes the database lacks: run dubanctl setup.';
    END IF;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION cases_codes_check() FROM PUBLIC;

CREATE FUNCTION tasks_codes_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    missing text;
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        SELECT m INTO missing FROM (
            SELECT 'division ' || quote_literal(n.division) AS m FROM tasks_new n
             WHERE n.division IS NOT NULL AND NOT EXISTS (SELECT 1 FROM divisions c WHERE c.code = n.division)
            UNION ALL SELECT 'staff ' || quote_literal(n.handler) FROM tasks_new n
             WHERE n.handler IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staff c WHERE c.code = n.handler)
        ) AS bad LIMIT 1;
    ELSE
        missing := CASE
            WHEN NEW.division IS NOT NULL AND NOT EXISTS (SELECT 1 FROM divisions WHERE code = NEW.division)
                THEN 'division ' || quote_literal(NEW.division)
            WHEN NEW.handler IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staff WHERE code = NEW.handler)
                THEN 'staff ' || quote_literal(NEW.handler)
        END;
    END IF;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "tasks" names an unknown code: %', missing
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'The org file has codes the database lacks: run dubanctl setup.';
    END IF;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION tasks_codes_check() FROM PUBLIC;

-- A statement trigger with a transition table takes one event only.
CREATE TRIGGER cases_codes_inserted AFTER INSERT ON cases
    REFERENCING NEW TABLE AS cases_new FOR EACH STATEMENT EXECUTE FUNCTION cases_codes_check();
CREATE TRIGGER cases_codes_changed AFTER UPDATE ON cases FOR EACH ROW
    WHEN (NEW.channel IS DISTINCT FROM OLD.channel OR NEW.kind IS DISTINCT FROM OLD.kind
          OR NEW.category IS DISTINCT FROM OLD.category OR NEW.lead_hint IS DISTINCT FROM OLD.lead_hint
          OR NEW.first_responder IS DISTINCT FROM OLD.first_responder
          OR NEW.recorded_by IS DISTINCT FROM OLD.recorded_by)
    EXECUTE FUNCTION cases_codes_check();
CREATE TRIGGER tasks_codes_inserted AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS tasks_new FOR EACH STATEMENT EXECUTE FUNCTION tasks_codes_check();
CREATE TRIGGER tasks_codes_changed AFTER UPDATE ON tasks FOR EACH ROW
    WHEN (NEW.division IS DISTINCT FROM OLD.division OR NEW.handler IS DISTINCT FROM OLD.handler)
    EXECUTE FUNCTION tasks_codes_check();

CREATE FUNCTION codes_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% of a code of "%" refused: cases and tasks name codes for good', lower(TG_OP), TG_TABLE_NAME
        USING ERRCODE = 'foreign_key_violation',
              HINT = 'Codes are added and renamed (their names), never removed: leave an unused code in place.';
END
$$;
REVOKE EXECUTE ON FUNCTION codes_kept() FROM PUBLIC;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['channels', 'kinds', 'categories', 'divisions', 'staff'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE DELETE OR TRUNCATE ON %I'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION codes_kept()', t || '_codes_kept', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OF code ON %I FOR EACH ROW'
                       ' WHEN (NEW.code IS DISTINCT FROM OLD.code) EXECUTE FUNCTION codes_kept()',
                       t || '_codes_renamed', t);
    END LOOP;
END
$$;

ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_channel_fkey;
ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_kind_fkey;
ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_category_fkey;
ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_lead_hint_fkey;
ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_first_responder_fkey;
ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_recorded_by_fkey;
ALTER TABLE tasks DROP CONSTRAINT IF EXISTS tasks_division_fkey;
ALTER TABLE tasks DROP CONSTRAINT IF EXISTS tasks_handler_fkey;
