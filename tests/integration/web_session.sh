# The web console's service (duban-web) with curl: sign-in with a password
# (argon2id) gives an HttpOnly SameSite=Strict session cookie; a wrong
# password is refused and repeated failures lock the code; the session is
# accepted by intake (through the same-origin pass-through) and by dispatch
# exactly as a token, with the same scope; a change made with the cookie
# but without the session's CSRF token, or from another origin, is refused
# and changes nothing; the live stream carries a new task to its division
# only and replays what a reconnecting page missed; sign-out ends the
# session everywhere; dubanctl staff passwd. Runs in both builds (the web
# service's C under the sanitizers).
source "$(dirname "$0")/../lib/harness.sh"
harness_init web_session
printf 'metrology-secret-1\n' | harness_ctl staff passwd h-metrology --stdin > /dev/null
printf 'fiber-secret-1\n' | harness_ctl staff passwd h-fiber --stdin > /dev/null
printf 'op001-secret-1\n' | harness_ctl staff passwd op001 --stdin > /dev/null
assert_eq 3 "$(psql_q "SELECT count(*) FROM staff WHERE password_hash LIKE '\$argon2id\$%'")" \
  "passwords are stored as argon2id hashes"
harness_start

W=$H_WEB_URL
jar=$H_DIR/jar.metrology
# signin STAFF PASSWORD JAR: prints the status; the reply lands in $H_DIR/r.
signin() {
  curl -s -o "$H_DIR/r" -D "$H_DIR/h" -w '%{http_code}' -c "$3" -H "Origin: $W" \
    -H 'Content-Type: application/json' --data-binary "{\"staff\":\"$1\",\"password\":\"$2\"}" "$W/web/signin"
}

# --- Wrong passwords, unknown staff: the same refusal; the fifth failure locks.
assert_eq 401 "$(signin h-metrology wrong-password "$H_DIR/nojar")" "a wrong password is refused"
assert_contains "$(cat "$H_DIR/r")" "工号或密码不正确" "the refusal says so in Chinese"
assert_eq 401 "$(signin nobody whatever1 "$H_DIR/nojar")" "an unknown staff code is refused alike"
assert_not_contains "$(cat "$H_DIR/h")" "Set-Cookie" "no cookie for a refusal"
assert_eq 403 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' \
  --data-binary '{"staff":"h-metrology","password":"metrology-secret-1"}' "$W/web/signin")" \
  "sign-in from another site's page is refused"
for i in 1 2 3 4 5; do signin op001 "wrong-$i" "$H_DIR/nojar" > /dev/null; done
assert_eq 429 "$(signin op001 op001-secret-1 "$H_DIR/nojar")" "five failures lock the code for a while"

# --- Sign-in: the cookie and its attributes; the session row is hashed.
assert_eq 200 "$(signin h-metrology metrology-secret-1 "$jar")" "the right password signs in"
cookie=$(grep -i '^Set-Cookie:' "$H_DIR/h" | tr -d '\r')
assert_contains "$cookie" "duban_session=dbs_" "a session cookie"
assert_contains "$cookie" "HttpOnly" "HttpOnly"
assert_contains "$cookie" "SameSite=Strict" "SameSite=Strict"
assert_contains "$cookie" "Path=/" "for the whole console"
assert_contains "$cookie" "Max-Age=43200" "with an expiry"
csrf=$(jq -r .csrf "$H_DIR/r")
assert_eq 64 "${#csrf}" "the CSRF token comes with the sign-in"
session=$(sed -n 's/.*duban_session=\(dbs_[0-9a-f]*\).*/\1/p' <<<"$cookie")
assert_eq 1 "$(psql_q "SELECT count(*) FROM staff_sessions WHERE staff = 'h-metrology'
  AND session_sha256 = sha256('$session'::bytea) AND revoked_at IS NULL")" "only the session's hash is stored"
me=$(curl -s -b "$jar" "$W/web/session")
assert_eq h-metrology "$(jq -r .staff <<<"$me")" "who am I"
assert_eq "$csrf" "$(jq -r .csrf <<<"$me")" "the page can ask for its CSRF token again"
assert_eq 计量处 "$(jq -r .division_name <<<"$me")" "with the division's name"
assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' "$W/web/session")" "no cookie, no session"

# --- The live stream of the division, opened before the case exists.
curl -s -N -b "$jar" "$W/web/events" > "$H_DIR/stream.metrology" 2>/dev/null &
s1=$!
harness_on_exit "kill $s1 2>/dev/null || true"
fjar=$H_DIR/jar.fiber
assert_eq 200 "$(signin h-fiber fiber-secret-1 "$fjar")" "fiber signs in"
curl -s -N -b "$fjar" "$W/web/events" > "$H_DIR/stream.fiber" 2>/dev/null &
s2=$!
harness_on_exit "kill $s2 2>/dev/null || true"
hello() { grep -q 'event: hello' "$H_DIR/stream.metrology" && grep -q 'event: hello' "$H_DIR/stream.fiber"; }
wait_until 10 hello

n=$(harness_ctl submit --operator op001 --kind complaint --subject '电子秤不准' \
  --description '菜市场电子秤缺斤短两' --category metrology --phone 13700000000)
live() { grep -q "\"case_number\":\"$n\"" "$H_DIR/stream.metrology"; }
wait_until 10 live
assert_contains "$(grep -B2 "$n" "$H_DIR/stream.metrology")" "event: task" "a new task arrives live"
assert_not_contains "$(cat "$H_DIR/stream.fiber")" "$n" "another division's stream never sees it"

# --- The API through the console's origin, with the session: scope as a token's.
api() { curl -s -o "$H_DIR/r" -w '%{http_code}' "$@"; }
assert_eq 200 "$(api -b "$jar" "$W/api/v1/divisions/metrology/queue")" "the queue with the session"
assert_eq "$n" "$(jq -r '.tasks[0].case_number' "$H_DIR/r")" "the new task is on it"
assert_eq 403 "$(api -b "$fjar" "$W/api/v1/divisions/metrology/queue")" "another division's queue"
assert_eq 404 "$(api -b "$fjar" "$W/api/v1/cases/$n")" "another division's case"
assert_eq 200 "$(api -b "$jar" "$W/api/v1/cases/$n")" "own case"
assert_contains "$(jq -c .actions "$H_DIR/r")" '"sign"' "the case says signing is allowed"

# --- CSRF: the cookie alone changes nothing.
sign=$W/api/v1/cases/$n/steps/sign
assert_eq 403 "$(api -b "$jar" -H "Origin: $W" -X POST --data-binary '{}' "$sign")" "no CSRF token: refused"
assert_contains "$(cat "$H_DIR/r")" "X-CSRF-Token" "the refusal names what is missing"
# One character changed, whatever the token holds (a replacement of some
# letter leaves a token without that letter right, as 1.6% of tokens are).
[[ "${csrf:0:1}" == 0 ]] && wrong_csrf="1${csrf:1}" || wrong_csrf="0${csrf:1}"
assert_eq 403 "$(api -b "$jar" -H "Origin: $W" -H "X-CSRF-Token: $wrong_csrf" -X POST --data-binary '{}' "$sign")" \
  "a wrong CSRF token: refused"
assert_eq 403 "$(api -b "$jar" -H 'Origin: http://evil.example' -H "X-CSRF-Token: $csrf" -X POST --data-binary '{}' "$sign")" \
  "another origin: refused"
assert_eq dispatched "$(psql_q "SELECT state FROM tasks WHERE case_id = (SELECT id FROM cases WHERE case_number = '$n')")" \
  "nothing changed"
assert_eq 403 "$(api -b "$fjar" -H "Origin: $W" -H "X-CSRF-Token: $(jq -r .csrf <<<"$(curl -s -b "$fjar" "$W/web/session")")" \
  -X POST --data-binary '{}' "$sign")" "another division may not sign it, session or not"
assert_eq 200 "$(api -b "$jar" -H "Origin: $W" -H "X-CSRF-Token: $csrf" -X POST --data-binary '{}' "$sign")" \
  "with the token, from the console: signed (dispatch accepts the session as a token)"
assert_eq h-metrology "$(psql_q "SELECT handler FROM tasks WHERE case_id = (SELECT id FROM cases WHERE case_number = '$n')")" \
  "signed by the session's staff member"
assert_eq 200 "$(api -H "$(auth_as h-metrology)" -X POST --data-binary '{"text":"已核查","internal":"复秤记录在案卷第3页"}' \
  "$W/api/v1/cases/$n/steps/reply")" "a bearer token needs no CSRF token, also through the console's origin"
assert_eq 复秤记录在案卷第3页 "$(psql_q "SELECT detail->>'internal' FROM case_events WHERE type = 'replied'
  AND case_id = (SELECT id FROM cases WHERE case_number = '$n')")" "the reply's internal part is kept for staff"
assert_eq 已核查 "$(psql_q "SELECT result FROM cases WHERE case_number = '$n'")" "the public part is the result"

# --- A page that reconnects gets what it missed.
last=$(grep '^id: ' "$H_DIR/stream.metrology" | tail -1 | cut -d' ' -f2 | tr -d '\r')
kill "$s1"
n2=$(harness_ctl submit --operator op001 --kind complaint --subject '加油机计量' \
  --description '加油机少加油' --category metrology)
queued() { [[ "$(psql_q "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$n2'")" == 1 ]]; }
wait_until 10 queued
sleep 0.3 # the event reaches duban-web just after the task's commit
curl -s -N -m 3 -b "$jar" -H "Last-Event-ID: $last" "$W/web/events" > "$H_DIR/stream.again" 2>/dev/null || true
assert_contains "$(cat "$H_DIR/stream.again")" "$n2" "missed events are replayed after Last-Event-ID"
curl -s -N -m 2 -b "$jar" -H "Last-Event-ID: 0-1" "$W/web/events" > "$H_DIR/stream.old" 2>/dev/null || true
assert_contains "$(cat "$H_DIR/stream.old")" "event: resync" "an unknown position asks the page to re-read"

# --- Sign-out: needs the token, then the session is refused everywhere.
assert_eq 403 "$(api -b "$jar" -H "Origin: $W" -X POST "$W/web/signout")" "sign-out needs the CSRF token too"
assert_eq 200 "$(api -b "$jar" -D "$H_DIR/h" -H "Origin: $W" -H "X-CSRF-Token: $csrf" -X POST "$W/web/signout")" "sign-out"
assert_contains "$(grep -i '^Set-Cookie:' "$H_DIR/h")" "Max-Age=0" "the cookie is cleared"
assert_eq 401 "$(api -b "$jar" "$W/web/session")" "the session is over at once here"
assert_eq 1 "$(psql_q "SELECT count(*) FROM staff_sessions WHERE staff = 'h-metrology' AND revoked_at IS NOT NULL")" \
  "and revoked in the database"
gone() { [[ "$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$H_INTAKE_URL/api/v1/divisions/metrology/queue")" == 401 ]]; }
wait_until 15 gone

# --- A password change ends the staff member's sessions.
assert_eq 200 "$(signin h-fiber fiber-secret-1 "$fjar")" "fiber signs in again"
printf 'fiber-secret-2\n' | harness_ctl staff passwd h-fiber --stdin > /dev/null
assert_eq 0 "$(psql_q "SELECT count(*) FROM staff_sessions WHERE staff = 'h-fiber' AND revoked_at IS NULL")" \
  "dubanctl staff passwd ends the sessions"
assert_eq 401 "$(signin h-fiber fiber-secret-1 "$H_DIR/nojar")" "the old password no longer works"
assert_eq 200 "$(signin h-fiber fiber-secret-2 "$fjar")" "the new one does"
printf 'short\n' | harness_ctl staff passwd h-fiber --stdin > /dev/null 2>&1 && fail "a short password is refused"

# --- Pages and the health check.
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$W/console/")" "the console's home page"
assert_contains "$(curl -s -D - -o /dev/null "$W/console/")" "Content-Security-Policy" "pages load nothing from elsewhere"
assert_eq 404 "$(curl -s -o "$H_DIR/r" -w '%{http_code}' "$W/console/no-such-page")" "an unknown page"
assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$W/assets/../../etc/passwd")" "no way out of the assets"
assert_eq ok "$(curl -s "$W/healthz" | jq -r .status)" "healthy"
echo "PASS web_session"
