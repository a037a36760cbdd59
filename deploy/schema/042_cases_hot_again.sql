-- Case updates are heap-only again (issue 13). 007 kept every index of
-- cases off state so that a case's state changes (triaged, then dispatched,
-- on every case's way in) write no index entry; 020's cases_arbitration_idx
-- (updated_at) WHERE state = 'arbitration' depends on state and on
-- updated_at, which every stage changes, so each of those updates wrote a
-- new entry into every index of cases again. The cases waiting for
-- arbitration, few at any time, are kept in a table of their own instead, by
-- a trigger whose WHEN clause (checked without calling the function) lets
-- through only a case entering or leaving that state, whoever writes it
-- (dispatch's return and arbitration, the history import).
CREATE TABLE cases_in_arbitration (
    case_id bigint PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    since timestamptz NOT NULL DEFAULT now()
);

-- Runs as the owner: the writers of cases need no rights on the table.
CREATE FUNCTION cases_arbitration_track() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.state = 'arbitration' THEN
        INSERT INTO cases_in_arbitration (case_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM cases_in_arbitration WHERE case_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION cases_arbitration_track() FROM PUBLIC;

CREATE TRIGGER cases_arbitration_inserted AFTER INSERT ON cases
    FOR EACH ROW WHEN (NEW.state = 'arbitration')
    EXECUTE FUNCTION cases_arbitration_track();
CREATE TRIGGER cases_arbitration_changed AFTER UPDATE OF state ON cases
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state
                       AND (OLD.state = 'arbitration' OR NEW.state = 'arbitration'))
    EXECUTE FUNCTION cases_arbitration_track();

INSERT INTO cases_in_arbitration (case_id, since)
SELECT id, updated_at FROM cases WHERE state = 'arbitration';
DROP INDEX cases_arbitration_idx;

-- The inspection office's board (intake) reads it.
GRANT SELECT ON cases_in_arbitration TO duban_intake;
