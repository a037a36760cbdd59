/* The statements of intake's group commit (intake_commit.c), and the
 * columns of their parameters and results. */
#ifndef DUBAN_INTAKE_COMMIT_SQL_H
#define DUBAN_INTAKE_COMMIT_SQL_H

#include "duban_msg_sql.h"
#include "outbox.h"

/* clang-format off */
/* First, when a submission of the batch has an idempotency key: the keys
 * claimed ($1 scope, $2 key, $3 request hash, one element per submission,
 * scope "" for none), each once, in their order (two intake instances
 * claiming the same keys take them in the same order). A key claimed by
 * another transaction makes this one wait for it, and then claims nothing. */
#define INTAKE_CLAIM_SQL                                                                           \
    "INSERT INTO idempotency_keys (scope, key, request_sha256)"                                    \
    " SELECT DISTINCT ON (scope, key) scope, key, decode(request_sha256, 'hex')"                   \
    " FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY"                             \
    "  AS i(scope, key, request_sha256, ord)"                                                      \
    " WHERE scope <> '' ORDER BY scope, key, ord"                                                  \
    " ON CONFLICT (scope, key) DO NOTHING"

/* The batch's cases that pass filter, in their order; conflict is the ON
 * CONFLICT clause or "". Written twice in the statement below: a case with an
 * external reference may be one imported before (skipped, and reported by
 * the lookup), one without needs no arbiter, and an ON CONFLICT would make
 * its insertion speculative, one more WAL record per case (074). */
#define INTAKE_CASES_INSERT(filter, conflict)                                                      \
    "INSERT INTO cases (case_number, query_code_sha256, channel, kind, category,"                  \
    "  lead_hint, subject, description, requester_name, requester_phone, requester_email,"         \
    "  requester_anonymous, callback_phone, place, enterprise, product, latitude, longitude,"      \
    "  external_ref, source, first_responder, recorded_by, flagged, created_at, updated_at,"       \
    "  confidential, priority)"                                                                    \
    "  SELECT num.number, sha256(convert_to(ok.query_code, 'UTF8')), ok.channel, ok.kind,"         \
    "   ok.category, ok.lead_hint, ok.subject, ok.description, ok.requester_name,"                 \
    "   ok.requester_phone, ok.requester_email, ok.anonymous, ok.callback_phone, ok.place,"        \
    "   ok.enterprise, ok.product, ok.latitude, ok.longitude, ok.external_ref, ok.source,"         \
    "   ok.first_responder, nullif(ok.recorded_by, ''),"                                           \
    "   ok.ord IN (SELECT ord FROM wf),"                                                           \
    "   coalesce(ok.received_at, now()), coalesce(ok.received_at, now()), ok.confidential,"        \
    "   coalesce(ok.priority, 'normal')"                                                           \
    "  FROM ok JOIN num ON num.ord = ok.ord WHERE " filter " ORDER BY ok.ord " conflict            \
    "  RETURNING id, case_number, state, created_at, flagged"

/* Then the batch of new cases in one statement: parallel arrays, one
 * element per submission in the order queued (the columns of the enum
 * below). Case number: "DB" + date (China time) + that day's counter,
 * drawn for the whole batch at once by case_numbers_next()
 * (deploy/schema/045), one update of each day's counter row. It carries no
 * personal data; the query code (kept only as a hash) unlocks the public
 * status page. A case is flagged when its requester's phone, callback
 * phone, e-mail or address is on the watch list, looked up once for the
 * batch (wf: a probe of watchlist_pkey per value, not a subquery per case).
 *
 * A case is inserted only when its idempotency key (if any) is claimed for
 * this body and has no case yet (claimed just before, or before without a
 * case), for the first submission of the batch with that key; and only
 * once per external reference. Each inserted case gets its "received"
 * event, its photos, its row in case_handoffs (the record that triage has
 * not taken it yet: handoff.h) and its message to triage, sent from these
 * results and not stored, and its key the answer (without the query code).
 * A row per submission, in their order: the answer to a new case (NULL
 * when none was made) and its message (OUTBOX_ROW_COLUMNS).
 *
 * A batch with no idempotency key, external reference or photo (the
 * hotline's, an import's without references) runs INTAKE_INSERT_PLAIN_SQL, the
 * same statement without those parts: each part costs its statement's
 * start and end whether a case uses it or not, 0.1 ms of PostgreSQL's time
 * a statement (pgbench over the statement, one case a batch). */
#define INTAKE_INSERT_I                                                                            \
    "WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"              \
    "  $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],"                   \
    "  $11::boolean[], $12::text[], $13::text[], $14::text[], $15::text[], $16::float8[],"         \
    "  $17::float8[], $18::text[], $19::text[], $20::text[], $21::text[], $22::timestamptz[],"     \
    "  $23::text[], $24::text[], $25::text[], $26::text[], $27::bytea[], $28::boolean[],"          \
    "  $29::text[], $30::text[]) WITH ORDINALITY AS i(query_code, channel, kind, category,"        \
    "  lead_hint, subject, description, requester_name, requester_phone, requester_email,"         \
    "  anonymous, callback_phone, place, enterprise, product, latitude, longitude,"                \
    "  external_ref, source, first_responder, recorded_by, received_at, peer, idem_scope,"         \
    "  idem_key, request_sha256, body, confidential, photos, priority, ord)),"
#define INTAKE_INSERT_OK_KEYED                                                                     \
    " kf AS (SELECT DISTINCT ON (idem_scope, idem_key) ord FROM i WHERE idem_scope <> ''"          \
    "  ORDER BY idem_scope, idem_key, ord),"                                                       \
    " ok AS (SELECT i.* FROM i WHERE i.idem_scope = ''"                                            \
    "  OR (i.ord IN (SELECT ord FROM kf) AND EXISTS (SELECT 1 FROM idempotency_keys k"             \
    "   WHERE k.scope = i.idem_scope AND k.key = i.idem_key AND k.case_id IS NULL"                 \
    "   AND k.request_sha256 = decode(i.request_sha256, 'hex')))),"
#define INTAKE_INSERT_OK_PLAIN " ok AS (SELECT * FROM i),"
#define INTAKE_INSERT_NUMBERED                                                                     \
    " wf AS (SELECT DISTINCT v.ord FROM (SELECT ord, 'phone' AS kind, requester_phone AS value"    \
    "  FROM ok UNION ALL SELECT ord, 'phone', callback_phone FROM ok"                              \
    "  UNION ALL SELECT ord, 'email', requester_email FROM ok UNION ALL SELECT ord, 'ip', peer"    \
    "  FROM ok) v JOIN watchlist w ON w.kind = v.kind AND w.value = v.value"                       \
    "  AND w.removed_at IS NULL),"                                                                 \
    " nb AS (SELECT case_numbers_next(array_agg(coalesce(received_at, now()) ORDER BY ord))"       \
    "  AS numbers, array_agg(ord ORDER BY ord) AS ords FROM ok),"                                  \
    " num AS (SELECT x.ord, x.number FROM nb, unnest(nb.ords, nb.numbers) AS x(ord, number)),"     \
    " cn AS (" INTAKE_CASES_INSERT("ok.external_ref IS NULL", "") "),"
#define INTAKE_CR_CONFLICT "ON CONFLICT (external_ref) WHERE external_ref IS NOT NULL DO NOTHING"
#define INTAKE_INSERT_CR                                                                           \
    " cr AS (" INTAKE_CASES_INSERT("ok.external_ref IS NOT NULL", INTAKE_CR_CONFLICT) "),"         \
    " c AS (SELECT * FROM cn UNION ALL SELECT * FROM cr),"
#define INTAKE_INSERT_C_PLAIN " c AS (SELECT * FROM cn),"
#define INTAKE_INSERT_EVENT                                                                        \
    " cc AS (SELECT c.*, i.* FROM c JOIN num ON num.number = c.case_number"                        \
    "  JOIN i ON i.ord = num.ord),"                                                                \
    " e AS (INSERT INTO case_events (case_id, type, actor, detail, at)"                            \
    "  SELECT id, 'received', first_responder, jsonb_strip_nulls(jsonb_build_object("              \
    "   'channel', channel, 'source', source, 'recorded_by', nullif(recorded_by, ''),"             \
    "   'flagged', nullif(flagged, false))), created_at FROM cc ORDER BY ord),"
#define INTAKE_INSERT_PHOTOS                                                                       \
    " ph AS (INSERT INTO case_photos (case_id, file_id, content_type, bytes, width, height,"       \
    "  sha256) SELECT cc.id, p.file_id, p.content_type, p.bytes, p.width, p.height,"               \
    "  decode(p.sha256, 'hex') FROM cc, jsonb_to_recordset(coalesce(cc.photos::jsonb,"             \
    "  '[]'::jsonb)) AS p(file_id text, content_type text, bytes integer, width integer,"          \
    "  height integer, sha256 text)),"
#define INTAKE_INSERT_ANSWERED                                                                     \
    " h AS (INSERT INTO case_handoffs (case_id) SELECT id FROM cc),"                               \
    " o AS (SELECT " OUTBOX_UNSTORED_COLUMNS("'intake'", "NULL", OUTBOX_MSG(CASE_RECEIVED), "id",  \
                                             "case_number", "NULL", "body")                        \
    "  FROM cc),"                                                                                  \
    " r AS (SELECT id, ord, idem_scope, idem_key, jsonb_build_object('case_number', case_number,"  \
    "  'query_code', query_code, 'state', state, 'first_responder', first_responder,"              \
    "  'channel', channel, 'kind', kind,"                                                          \
    "  'received_at', to_char(created_at AT TIME ZONE 'Asia/Shanghai',"                            \
    "   'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"')) AS response FROM cc)"
#define INTAKE_INSERT_KEYS_ANSWERED                                                                \
    ", k AS (UPDATE idempotency_keys SET case_id = r.id, response = r.response - 'query_code'"     \
    "  FROM r WHERE r.idem_scope <> '' AND scope = r.idem_scope AND key = r.idem_key)"
#define INTAKE_INSERT_ROWS                                                                         \
    " SELECT r.response::text AS response, o.* FROM i LEFT JOIN r ON r.ord = i.ord"                \
    " LEFT JOIN o ON o.outbox_case_id = r.id ORDER BY i.ord"

#define INTAKE_INSERT_SQL                                                                          \
    INTAKE_INSERT_I INTAKE_INSERT_OK_KEYED INTAKE_INSERT_NUMBERED INTAKE_INSERT_CR                 \
        INTAKE_INSERT_EVENT INTAKE_INSERT_PHOTOS INTAKE_INSERT_ANSWERED                            \
            INTAKE_INSERT_KEYS_ANSWERED INTAKE_INSERT_ROWS

#define INTAKE_INSERT_PLAIN_SQL                                                                    \
    INTAKE_INSERT_I INTAKE_INSERT_OK_PLAIN INTAKE_INSERT_NUMBERED INTAKE_INSERT_C_PLAIN            \
        INTAKE_INSERT_EVENT INTAKE_INSERT_ANSWERED INTAKE_INSERT_ROWS

/* clang-format on */

/* Its parameters, gathered submission by submission. */
enum {
    COL_QUERY_CODE,
    COL_CHANNEL,
    COL_KIND,
    COL_CATEGORY,
    COL_DIVISION,
    COL_SUBJECT,
    COL_DESCRIPTION,
    COL_NAME,
    COL_PHONE,
    COL_EMAIL,
    COL_ANONYMOUS,
    COL_CALLBACK,
    COL_PLACE,
    COL_ENTERPRISE,
    COL_PRODUCT,
    COL_LATITUDE,
    COL_LONGITUDE,
    COL_EXTERNAL_REF,
    COL_SOURCE,
    COL_FIRST_RESPONDER,
    COL_RECORDED_BY,
    COL_RECEIVED_AT,
    COL_PEER,
    COL_IDEM_SCOPE,
    COL_IDEM_KEY,
    COL_REQUEST_SHA256,
    COL_BODY,
    COL_CONFIDENTIAL,
    COL_PHOTOS,
    COL_PRIORITY,
    INSERT_COLS
};

/* After the insert, in the same transaction, for the submissions with an
 * idempotency key or an external reference ($1 scope, $2 key, $3 request
 * hash, $4 reference, one element each, all of the batch): what the key
 * already answered, whether it was for this body, and the case of the
 * reference. The query code was shown once, in the first answer; it is not
 * kept, so a retry learns the case number and that the code is not shown
 * again. A row per submission, in their order. */
#define INTAKE_LOOKUP_SQL                                                                          \
    "SELECT coalesce((k.response - 'query_code' || jsonb_build_object('query_code', NULL::text,"   \
    "  'query_code_notice', '" INTAKE_QUERY_CODE_NOTICE "'))::text, '') AS replay,"                \
    " k.request_sha256 = decode(i.request_sha256, 'hex') AS same_body,"                            \
    " k.scope IS NOT NULL AS keyed,"                                                               \
    " (SELECT jsonb_build_object('case_number', case_number, 'state', state,"                      \
    "  'already_imported', true)::text FROM cases c WHERE c.external_ref = i.external_ref)"        \
    "  AS imported"                                                                                \
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY"                 \
    "  AS i(idem_scope, idem_key, request_sha256, external_ref, ord)"                              \
    " LEFT JOIN idempotency_keys k ON i.idem_scope <> '' AND k.scope = i.idem_scope"               \
    "  AND k.key = i.idem_key"                                                                     \
    " ORDER BY i.ord"

enum { LOOKUP_REPLAY, LOOKUP_SAME_BODY, LOOKUP_KEYED, LOOKUP_IMPORTED };
enum { LOOKUP_COLS = 4 };

#endif
