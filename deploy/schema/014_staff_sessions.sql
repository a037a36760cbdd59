-- Staff sign in to the web console with a staff code and a password; a
-- session is then a credential like a bearer token (common/auth.c accepts
-- either, with the same roles and scopes).

-- argon2id in libsodium's crypto_pwhash_str format (parameters inside);
-- NULL: this staff member signs in with tokens only.
ALTER TABLE staff ADD COLUMN password_hash text;

-- Only the SHA-256 of the random session id is kept, so a copy of the table
-- opens no session. A session ends at expires_at (absolute), after idle_s
-- seconds without use, or when revoked (sign-out, password change). The CSRF
-- token is derived from the secret session id (auth_csrf_token), so it needs
-- no column and cannot be read from here either.
CREATE TABLE staff_sessions (
    id bigserial PRIMARY KEY,
    staff text NOT NULL REFERENCES staff (code),
    session_sha256 bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    idle_s integer NOT NULL CHECK (idle_s > 0),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    peer text
);

CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff) WHERE revoked_at IS NULL;
CREATE INDEX staff_sessions_expires_idx ON staff_sessions (expires_at);

-- The division queue (GET /api/v1/divisions/{code}/queue) reads open tasks
-- in the order of the deadline that runs now: the response deadline until
-- the task is signed, then the completion deadline. One index serves the
-- page, the tab counts and the overdue count; the columns it includes let
-- the counts be read from the index alone.
CREATE INDEX tasks_division_queue_idx ON tasks
    (division, (CASE WHEN state = 'dispatched' THEN response_due ELSE completion_due END), id)
    INCLUDE (state, response_due, completion_due, response_warn, completion_warn)
    WHERE state IN ('dispatched', 'signed');
