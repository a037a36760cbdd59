-- What the public may see.
--
-- A case is public (listed by Open311's reads) only when the public filed
-- it itself -- the web form, the public JSON endpoint or an Open311 client,
-- never staff -- and it is neither a report (举报, whose informant must stay
-- unknown) nor marked confidential. Staff mark a case confidential when its
-- text names people or places that must not be published; the requester
-- may ask for it when filing.
ALTER TABLE cases ADD COLUMN confidential boolean NOT NULL DEFAULT false;

-- The one home of that rule: every public read filters on it. Inlined by
-- the planner (a single expression over the row).
CREATE FUNCTION case_public(c cases) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN c.recorded_by IS NULL
        AND c.channel IN ('web', 'open311')
        AND (c.source IN ('web-form', 'web-api') OR c.source LIKE 'open311:%')
        AND c.kind <> 'report'
        AND NOT c.confidential;
