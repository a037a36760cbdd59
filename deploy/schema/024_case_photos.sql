-- Photos a citizen attached to the report form: the files are in the folder
-- the setting intake.photos_dir names (outside any served folder, mode
-- 0600), each named by its random file_id alone; these rows tie them to
-- their case, written in the case's own transaction. Every file was
-- rewritten without metadata (no EXIF or XMP: no position, no device) and
-- checked as a JPEG or PNG by its content. Staff read them through
-- GET /api/v1/cases/{number}/photos/{file_id}, within the case's scope; the
-- public never sees them.
CREATE TABLE case_photos (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases (id),
    file_id text NOT NULL UNIQUE CHECK (file_id ~ '^[0-9a-f]{32}$'),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes integer NOT NULL CHECK (bytes > 0),
    width integer NOT NULL CHECK (width > 0),
    height integer NOT NULL CHECK (height > 0),
    sha256 bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX case_photos_case_idx ON case_photos (case_id, id);

-- Intake writes the rows with the case and reads them for staff. The
-- per-service roles (deploy/schema/README.md) may not exist yet on a
-- database made before them; the grant waits for them then.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'duban_intake') THEN
        GRANT SELECT, INSERT ON case_photos TO duban_intake;
        GRANT USAGE ON SEQUENCE case_photos_id_seq TO duban_intake;
    END IF;
END
$$;
