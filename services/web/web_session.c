/* Console sign-in and sessions; see web_session.h. Every handler ends in
 * one reply; a request waiting for PostgreSQL or the password checker is
 * held (http_hold), so a client that leaves is noticed. */
#include "web_session.h"

#include "auth_http.h"
#include "clock.h"
#include "http.h"
#include "log.h"
#include "web_pwcheck.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGNIN_MAX_BODY 4096
#define LOCK_SLOTS 256
#define LOCK_FAILURES 5
#define LOCK_WINDOW_US (5 * 60 * 1000000LL)

static const char *s_staff_sql =
    "SELECT password_hash, name, role, coalesce(division, '') FROM staff"
    " WHERE code = $1 AND active";

static const char *s_open_sql =
    "INSERT INTO staff_sessions (staff, session_sha256, expires_at, idle_s, peer)"
    " VALUES ($1, decode($2, 'hex'), now() + $3::int * interval '1 second', $4::int, $5)";

static const char *s_revoke_sql =
    "UPDATE staff_sessions SET revoked_at = now() WHERE session_sha256 = decode($1, 'hex')"
    " AND revoked_at IS NULL";

static const char *s_name_sql = "SELECT name FROM staff WHERE code = $1";

int web_session_prepare(pg_t *pg)
{
    return pg_prepare(pg, "web_staff", s_staff_sql) | pg_prepare(pg, "web_open", s_open_sql) |
           pg_prepare(pg, "web_revoke", s_revoke_sql) | pg_prepare(pg, "web_name", s_name_sql);
}

/* Failed sign-ins per staff code (a hash slot; a collision only shares a
 * count). Process memory: a restart forgets, which is acceptable for a
 * brake on guessing; the password hash is the real defence. */
typedef struct {
    char staff[48];
    int failures;
    int64_t first_us;
} lock_slot_t;

static lock_slot_t s_locks[LOCK_SLOTS];

static lock_slot_t *s_lock(const char *staff)
{
    unsigned char h[4];
    crypto_generichash(h, sizeof(h), (const unsigned char *)staff, strlen(staff), NULL, 0);
    lock_slot_t *slot = &s_locks[(h[0] | h[1] << 8) % LOCK_SLOTS];
    if (strcmp(slot->staff, staff) != 0 || clock_mono_us() - slot->first_us > LOCK_WINDOW_US) {
        snprintf(slot->staff, sizeof(slot->staff), "%s", staff);
        slot->failures = 0;
        slot->first_us = clock_mono_us();
    }
    return slot;
}

typedef struct {
    web_t *web;
    http_held_t *held;
    char staff[48];
    char password[AUTH_PASSWORD_MAX + 1];
    char name[128];
    char role[16];
    char division[64];
    char session[AUTH_SESSION_LEN + 1];
    char peer[64];
} signin_t;

static void s_signin_free(signin_t *si)
{
    http_release(&si->held);
    sodium_memzero(si->password, sizeof(si->password));
    sodium_memzero(si->session, sizeof(si->session));
    free(si);
}

static void s_set_cookie(web_t *web, struct evhttp_request *req, const char *value, long max_age)
{
    char cookie[256];
    snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s",
             AUTH_HTTP_COOKIE, value, max_age, web->cookie_secure ? "; Secure" : "");
    evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", cookie);
}

static void s_opened(pg_txn_t *txn, bool ok, void *arg)
{
    signin_t *si = arg;
    struct evhttp_request *req = http_held_request(si->held);
    if (!ok) {
        log_warn("could not open a console session", "staff=%s err=%s", si->staff,
                 pg_txn_error(txn));
        if (req)
            web_reply_problem(req, 503, "unavailable", "暂时无法登录，请稍后再试");
        goto out_free;
    }
    log_info("console sign-in", "staff=%s peer=%s", si->staff, log_addr(si->peer));
    if (!req)
        goto out_free;
    char csrf[AUTH_CSRF_HEX];
    auth_csrf_token(si->session, csrf);
    s_set_cookie(si->web, req, si->session, si->web->session_max_s);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
    http_reply_json(req, 200,
                    json_pack("{s:s, s:s, s:s, s:s, s:s}", "staff", si->staff, "name", si->name,
                              "role", si->role, "division", si->division, "csrf", csrf));
out_free:
    s_signin_free(si);
}

static void s_refuse(signin_t *si, struct evhttp_request *req)
{
    lock_slot_t *lock = s_lock(si->staff);
    lock->failures++;
    log_info("console sign-in refused", "staff=%.48s peer=%s failures=%d", si->staff,
             log_addr(si->peer), lock->failures);
    web_reply_problem(req, 401, "sign-in refused", "工号或密码不正确");
}

static void s_checked(bool match, void *arg)
{
    signin_t *si = arg;
    struct evhttp_request *req = http_held_request(si->held);
    if (!req) {
        s_signin_free(si);
        return;
    }
    if (!match) {
        s_refuse(si, req);
        s_signin_free(si);
        return;
    }
    s_lock(si->staff)->failures = 0;
    char hash[AUTH_HASH_HEX], max_s[24], idle_s[24];
    pg_txn_t *txn = pg_txn_new();
    if (!txn || auth_session_new(si->session) < 0) {
        pg_txn_destroy(&txn);
        web_reply_problem(req, 500, "internal error", "服务器内部错误");
        s_signin_free(si);
        return;
    }
    auth_token_hash(si->session, hash);
    snprintf(max_s, sizeof(max_s), "%ld", si->web->session_max_s);
    snprintf(idle_s, sizeof(idle_s), "%ld", si->web->session_idle_s);
    pg_param_t p[5] = {PG_TEXT(si->staff), PG_TEXT(hash), PG_TEXT(max_s), PG_TEXT(idle_s),
                       PG_TEXT(si->peer)};
    pg_txn_add(txn, true, "web_open", 5, p);
    pg_txn_submit(si->web->pg, &txn, s_opened, si);
}

static void s_staff_read(pg_txn_t *txn, bool ok, void *arg)
{
    signin_t *si = arg;
    struct evhttp_request *req = http_held_request(si->held);
    if (!req) {
        s_signin_free(si);
        return;
    }
    if (!ok) {
        web_reply_problem(req, 503, "unavailable", "暂时无法登录，请稍后再试");
        s_signin_free(si);
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    const char *hash = NULL;
    if (PQntuples(res) == 1) {
        hash = PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0);
        snprintf(si->name, sizeof(si->name), "%s", PQgetvalue(res, 0, 1));
        snprintf(si->role, sizeof(si->role), "%s", PQgetvalue(res, 0, 2));
        snprintf(si->division, sizeof(si->division), "%s", PQgetvalue(res, 0, 3));
    }
    /* Unknown staff are checked against a dummy hash: the answer takes as
     * long and says the same, so it does not tell which codes exist. */
    if (web_pwcheck_submit(si->web->pwcheck, hash, si->password, s_checked, si) < 0) {
        web_reply_problem(req, 503, "busy", "登录请求过多，请稍后再试");
        s_signin_free(si);
    }
}

void web_session_signin(web_t *web, struct evhttp_request *req)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        web_reply_problem(req, 405, "method not allowed", "请使用 POST 登录");
        return;
    }
    if (!auth_http_same_origin(evhttp_find_header(in, "Origin"),
                               evhttp_find_header(in, "Sec-Fetch-Site"),
                               evhttp_find_header(in, "Host"))) {
        web_reply_problem(req, 403, "forbidden", "请从本系统的登录页登录");
        return;
    }
    char *text = NULL;
    size_t len = 0;
    if (http_read_body(req, SIGNIN_MAX_BODY, &text, &len) < 0) {
        web_reply_problem(req, 413, "body too large", "提交的内容过长");
        return;
    }
    json_t *body = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    free(text);
    const char *staff = json_string_value(json_object_get(body, "staff"));
    const char *password = json_string_value(json_object_get(body, "password"));
    if (!staff || !staff[0] || !password || !password[0] || strlen(staff) >= 48 ||
        strlen(password) > AUTH_PASSWORD_MAX) {
        json_decref(body);
        web_reply_problem(req, 400, "invalid sign-in", "请填写工号和密码");
        return;
    }
    lock_slot_t *lock = s_lock(staff);
    if (lock->failures >= LOCK_FAILURES) {
        long wait_s = (long)((lock->first_us + LOCK_WINDOW_US - clock_mono_us()) / 1000000) + 1;
        char detail[128], retry[24];
        snprintf(detail, sizeof(detail), "密码错误次数过多，请 %ld 分钟后再试",
                 (wait_s + 59) / 60);
        snprintf(retry, sizeof(retry), "%ld", wait_s);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", retry);
        log_info("console sign-in locked", "staff=%.48s peer=%s", staff,
                 log_addr(http_client_addr(req, &web->trusted_proxies)));
        json_decref(body);
        web_reply_problem(req, 429, "too many attempts", detail);
        return;
    }
    signin_t *si = calloc(1, sizeof(*si));
    pg_txn_t *txn = pg_txn_new();
    if (!si || !txn || !(si->held = http_hold(req))) {
        free(si);
        pg_txn_destroy(&txn);
        json_decref(body);
        web_reply_problem(req, 500, "internal error", "服务器内部错误");
        return;
    }
    si->web = web;
    snprintf(si->staff, sizeof(si->staff), "%s", staff);
    snprintf(si->password, sizeof(si->password), "%s", password);
    snprintf(si->peer, sizeof(si->peer), "%s", http_client_addr(req, &web->trusted_proxies));
    json_decref(body);
    pg_param_t p[1] = {PG_TEXT(si->staff)};
    pg_txn_add(txn, true, "web_staff", 1, p);
    pg_txn_submit(web->pg, &txn, s_staff_read, si);
}

/* A request that needs the signed-in staff member. */
typedef struct {
    web_t *web;
    http_held_t *held;
    auth_http_cred_t cred;
    auth_identity_t who;
    bool signout;
} whoami_t;

static void s_whoami_free(whoami_t *w)
{
    http_release(&w->held);
    sodium_memzero(&w->cred, sizeof(w->cred));
    free(w);
}

static json_t *s_named(const org_named_t *list, int n)
{
    json_t *out = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(out,
                              json_pack("{s:s, s:s}", "code", list[i].code, "name", list[i].name));
    return out;
}

static json_t *s_org_json(const org_t *org)
{
    json_t *cats = json_array();
    for (int i = 0; i < org->ncategories; i++)
        json_array_append_new(cats, json_pack("{s:s, s:s, s:s}", "code", org->categories[i].code,
                                              "name", org->categories[i].name, "lead",
                                              org->categories[i].lead));
    return json_pack("{s:o, s:o, s:o, s:o}", "divisions", s_named(org->divisions, org->ndivisions),
                     "kinds", s_named(org->kinds, org->nkinds), "channels",
                     s_named(org->channels, org->nchannels), "categories", cats);
}

static void s_named_read(pg_txn_t *txn, bool ok, void *arg)
{
    whoami_t *w = arg;
    struct evhttp_request *req = http_held_request(w->held);
    if (!req)
        goto out_free;
    PGresult *res = ok ? pg_txn_result(txn, 0) : NULL;
    const char *name = res && PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : w->who.staff;
    const org_named_t *div = w->who.division[0] ? org_division_find(w->web->org, w->who.division)
                                                 : NULL;
    char csrf[AUTH_CSRF_HEX];
    auth_csrf_token(w->cred.credential, csrf);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
    http_reply_json(req, 200,
                    json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:i, s:o}", "staff",
                              w->who.staff, "name", name, "role", w->who.role, "division",
                              w->who.division, "division_name", div ? div->name : NULL, "csrf",
                              csrf, "bureau", w->web->bureau, "utc_offset_minutes",
                              w->web->utc_offset_minutes, "org", s_org_json(w->web->org)));
out_free:
    s_whoami_free(w);
}

static void s_revoked(pg_txn_t *txn, bool ok, void *arg)
{
    whoami_t *w = arg;
    struct evhttp_request *req = http_held_request(w->held);
    if (ok)
        log_info("console sign-out", "staff=%s", w->who.staff);
    if (req) {
        if (!ok) {
            web_reply_problem(req, 503, "unavailable", "暂时无法退出，请稍后再试");
        } else {
            s_set_cookie(w->web, req, "", 0);
            http_reply_json(req, 200, json_pack("{s:b}", "signed_out", 1));
        }
    }
    s_whoami_free(w);
}

static void s_authed(void *arg, auth_result_t result, const auth_identity_t *who)
{
    whoami_t *w = arg;
    struct evhttp_request *req = http_held_request(w->held);
    if (!req) {
        s_whoami_free(w);
        return;
    }
    if (result != AUTH_OK) {
        if (result == AUTH_UNAVAILABLE)
            web_reply_problem(req, 503, "unavailable", "暂时无法核对登录状态，请稍后再试");
        else
            web_reply_problem(req, 401, "not signed in", "请先登录");
        s_whoami_free(w);
        return;
    }
    w->who = *who;
    pg_txn_t *txn = pg_txn_new();
    if (!txn) {
        web_reply_problem(req, 500, "internal error", "服务器内部错误");
        s_whoami_free(w);
        return;
    }
    if (w->signout) {
        char hash[AUTH_HASH_HEX];
        auth_token_hash(w->cred.credential, hash);
        auth_forget(w->web->auth, w->cred.credential);
        pg_param_t p[1] = {PG_TEXT(hash)};
        pg_txn_add(txn, true, "web_revoke", 1, p);
        pg_txn_submit(w->web->pg, &txn, s_revoked, w);
    } else {
        pg_param_t p[1] = {PG_TEXT(w->who.staff)};
        pg_txn_add(txn, true, "web_name", 1, p);
        pg_txn_submit(w->web->pg, &txn, s_named_read, w);
    }
}

static void s_with_session(web_t *web, struct evhttp_request *req, bool signout)
{
    whoami_t *w = calloc(1, sizeof(*w));
    if (!w || !(w->held = http_hold(req))) {
        free(w);
        web_reply_problem(req, 500, "internal error", "服务器内部错误");
        return;
    }
    w->web = web;
    w->signout = signout;
    auth_http_credential(req, &w->cred);
    if (!w->cred.from_cookie) {
        web_reply_problem(req, 401, "not signed in", "请先登录");
        s_whoami_free(w);
        return;
    }
    const char *refusal = auth_http_csrf_refusal(req, &w->cred);
    if (refusal) {
        web_reply_problem(req, 403, "forbidden", "请求缺少本页的安全令牌，请刷新页面后重试");
        s_whoami_free(w);
        return;
    }
    auth_verify(web->auth, w->cred.credential, s_authed, w);
}

void web_session_signout(web_t *web, struct evhttp_request *req)
{
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        web_reply_problem(req, 405, "method not allowed", "请使用 POST 退出");
        return;
    }
    s_with_session(web, req, true);
}

void web_session_whoami(web_t *web, struct evhttp_request *req)
{
    s_with_session(web, req, false);
}
