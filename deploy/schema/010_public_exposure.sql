-- What the public may see, and what idempotency keys keep.
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

-- The query code is shown once, when the case is filed; cases keep only its
-- hash and so do idempotency keys now: a retry gets the case number without
-- the code. Codes kept by earlier answers are removed.
UPDATE idempotency_keys SET response = response - 'query_code' WHERE response ? 'query_code';

-- Public keys were all in one scope ("public"), so anyone who knew a key
-- could replay another client's answer. Each public client has its own
-- scope now; the old shared scope is dropped (it only served retries).
DELETE FROM idempotency_keys WHERE scope = 'public';
