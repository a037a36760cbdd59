-- case_number_next() in PL/pgSQL (issue 13). As a LANGUAGE sql function
-- that cannot be inlined (SECURITY DEFINER, SET search_path), its body was
-- parsed, analysed and planned again at every call, once per case accepted:
-- measured with perf during `dubanctl bench`, 6.5% of PostgreSQL's CPU went to
-- that alone. PL/pgSQL keeps the statement's plan for the session. Same
-- statement, same result, same rights: CREATE OR REPLACE keeps the owner and
-- the EXECUTE grants of 012 and 030.
CREATE OR REPLACE FUNCTION case_number_next(at timestamptz) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    number text;
BEGIN
    INSERT INTO case_number_days AS d (day, last)
    VALUES ((coalesce(at, now()) AT TIME ZONE 'Asia/Shanghai')::date, 1)
    ON CONFLICT (day) DO UPDATE SET last = d.last + 1
    RETURNING 'DB' || to_char(d.day, 'YYYYMMDD')
              || lpad(d.last::text, greatest(6, length(d.last::text)), '0')
    INTO number;
    RETURN number;
END
$$;
