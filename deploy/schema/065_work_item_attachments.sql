-- Attachments of work items' reports (进展报告、完成报告的附件): a division
-- uploads a file to the item (POST /api/v1/cases/{number}/attachments), then
-- names it in its progress or completion report, which binds it to that
-- report once and for all. The files live beside the report form's photos
-- (intake.photos_dir, mode 0600, named by a random id); a JPEG or PNG is
-- rewritten without metadata like a photo, a PDF is kept as sent and only
-- ever served as a download.
CREATE TABLE case_attachments (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases (id),
    file_id text NOT NULL UNIQUE CHECK (file_id ~ '^[0-9a-f]{32}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    content_type text NOT NULL
        CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    bytes integer NOT NULL CHECK (bytes > 0),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    uploaded_by text NOT NULL REFERENCES staff (code),
    division text REFERENCES divisions (code),
    report_id bigint REFERENCES work_item_reports (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX case_attachments_case_idx ON case_attachments (case_id, id);

-- Binds the attachments p_ids (a JSON array of file ids) of case p_case to
-- the report p_report, and returns them as the report's timeline lists them.
-- Every id must be an unbound attachment of that case: otherwise the step is
-- refused as a whole with SQLSTATE DB422 (dispatch answers 422 with this
-- message). No report (the step was not applied): nothing happens.
CREATE FUNCTION case_attachments_bind(p_case bigint, p_report bigint, p_ids jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    wanted integer;
    bound jsonb;
    n integer;
BEGIN
    IF p_report IS NULL OR p_ids IS NULL OR jsonb_typeof(p_ids) <> 'array'
       OR jsonb_array_length(p_ids) = 0 THEN
        RETURN NULL;
    END IF;
    SELECT count(DISTINCT x) INTO wanted FROM jsonb_array_elements_text(p_ids) x;
    WITH b AS (
        UPDATE case_attachments SET report_id = p_report
        WHERE case_id = p_case AND report_id IS NULL
          AND file_id IN (SELECT jsonb_array_elements_text(p_ids))
        RETURNING id, file_id, name, content_type, bytes)
    SELECT coalesce(jsonb_agg(jsonb_build_object('file_id', file_id, 'name', name,
               'content_type', content_type, 'bytes', bytes) ORDER BY id), '[]'), count(*)
        INTO bound, n FROM b;
    IF n <> wanted THEN
        RAISE EXCEPTION 'an attachment named is not one uploaded to this work item, or belongs to another report already'
            USING ERRCODE = 'DB422';
    END IF;
    RETURN bound;
END
$$;

-- Intake stores and serves the files; dispatch binds them in the report's
-- own statement; the bulletins and administrators read them.
GRANT SELECT, INSERT ON case_attachments TO duban_intake;
GRANT USAGE ON SEQUENCE case_attachments_id_seq TO duban_intake;
GRANT SELECT, UPDATE ON case_attachments TO duban_dispatch;
REVOKE ALL ON FUNCTION case_attachments_bind(bigint, bigint, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION case_attachments_bind(bigint, bigint, jsonb) TO duban_dispatch;
GRANT SELECT ON case_attachments TO duban_bulletin, duban_admin;
