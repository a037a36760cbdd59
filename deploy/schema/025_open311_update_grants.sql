-- open311_updates (023) is intake's: it records a client's update_id with
-- the follow-up event, in the same statement, and reads it back for a
-- retry. Granted when the per-service roles exist (deploy/schema/README.md).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'duban_intake') THEN
        GRANT SELECT, INSERT ON open311_updates TO duban_intake;
    END IF;
END
$$;
