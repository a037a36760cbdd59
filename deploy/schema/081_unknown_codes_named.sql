-- A code the database lacks is named as such: the refusals of 080's checks
-- carry the constraint name org_codes (PG_DIAG_CONSTRAINT_NAME), so that a
-- writer can tell "the org file is newer than the database" (a set-up
-- behind, which passes once dubanctl setup has run) from a caller's
-- conflict. The SQLSTATE stays foreign_key_violation, as the foreign keys
-- had it; the bodies are 080's but for that name.
CREATE OR REPLACE FUNCTION cases_codes_check() RETURNS trigger
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
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'org_codes',
                  HINT = 'The org file has codes the database lacks: run dubanctl setup.';
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION tasks_codes_check() RETURNS trigger
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
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'org_codes',
                  HINT = 'The org file has codes the database lacks: run dubanctl setup.';
    END IF;
    RETURN NULL;
END
$$;
