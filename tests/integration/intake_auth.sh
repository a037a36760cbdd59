# Staff authentication and roles: tokens are stored hashed, a missing or
# wrong token gets 401, a wrong role 403, a division sees only its own
# tasks and cases, requester data only those handling the case see; each
# staff channel records the right first responder.
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_auth
harness_start

# call AS METHOD PATH [BODY]: prints the status; the reply lands in $H_DIR/r.
call() {
  local who=$1 method=$2 path=$3 body=${4:-}
  local auth=()
  [[ "$who" == - ]] || auth=(-H "$(auth_as "$who")")
  if [[ -n "$body" ]]; then
    curl -s -o "$H_DIR/r" -w '%{http_code}' -X "$method" "${auth[@]}" --data-binary "$body" "$H_INTAKE_URL$path"
  else
    curl -s -o "$H_DIR/r" -w '%{http_code}' -X "$method" "${auth[@]}" "$H_INTAKE_URL$path"
  fi
}
# The first responder the last reply names, read as JSON.
responder() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["first_responder"])' "$H_DIR/r"; }
hotline='{"channel":"hotline","kind":"complaint","subject":"电子秤不准","description":"菜市场电子秤缺斤短两","requester":{"name":"王五","phone":"13700000000"}}'

# 401: no token, a made-up token; the reply says how to authenticate.
assert_eq 401 "$(call - POST /api/v1/cases "$hotline")" "no token"
assert_contains "$(cat "$H_DIR/r")" "Authorization: Bearer" "401 explains"
status=$(curl -s -o "$H_DIR/r" -w '%{http_code}' -H 'Authorization: Bearer dbn_000000000000000000000000000000000000000000000000' \
  --data-binary "$hotline" "$H_INTAKE_URL/api/v1/cases")
assert_eq 401 "$status" "unknown token"
assert_eq 401 "$(call - GET /api/v1/divisions/metrology/tasks)" "reads need a token too"

# Roles and channels.
assert_eq 403 "$(call h-metrology POST /api/v1/cases "$hotline")" "a handler does not record cases"
assert_eq 403 "$(call clerk001 POST /api/v1/cases "$hotline")" "hotline is for operators"
assert_eq 403 "$(call op001 POST /api/v1/cases '{"channel":"letter","kind":"complaint","subject":"s","description":"d"}')" "letters are for clerks"
assert_eq 403 "$(call op001 POST /api/v1/cases '{"channel":"hotline","kind":"complaint","subject":"s","description":"d","first_responder":"op002"}')" "an operator records as themself"
assert_eq 403 "$(call op001 POST /api/v1/cases '{"channel":"web","kind":"complaint","subject":"s","description":"d"}')" "web cases come in publicly"
assert_eq 403 "$(call clerk001 POST /api/v1/cases '{"channel":"letter","kind":"complaint","subject":"s","description":"d","received_at":"2017-03-01T09:00:00+08:00"}')" "history is for administrators"

# Each staff channel and its first responder.
assert_eq 201 "$(call op001 POST /api/v1/cases "$hotline")" "operator records a call"
[[ "$(cat "$H_DIR/r")" =~ \"case_number\":\ ?\"(DB[0-9]+)\" ]] || fail "no case number"
call_case=${BASH_REMATCH[1]}
assert_eq op001 "$(responder)" "operator is first responder"
assert_eq 201 "$(call clerk001 POST /api/v1/cases '{"channel":"walk-in","kind":"enquiry","subject":"来访咨询","description":"计量器具检定"}')" "walk-in"
assert_eq clerk001 "$(responder)" "the clerk who received the visitor"
for channel in letter email; do
  assert_eq 201 "$(call clerk001 POST /api/v1/cases "{\"channel\":\"$channel\",\"kind\":\"report\",\"subject\":\"举报\",\"description\":\"假冒产品\"}")" "$channel"
  [[ "$(responder)" =~ ^op00[123]$ ]] || fail "$channel got no on-duty first responder"
done
assert_eq "$(psql_q "SELECT count(*) FROM cases")" \
  "$(psql_q "SELECT count(*) FROM cases WHERE recorded_by IS NOT NULL")" "every staff case says who recorded it"

# A division sees its own tasks only, and cases it holds a task for.
dispatched() { [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$call_case'")" == dispatched ]]; }
wait_until 10 dispatched
assert_eq 200 "$(call h-metrology GET /api/v1/divisions/metrology/tasks)" "own tasks"
assert_contains "$(cat "$H_DIR/r")" "$call_case" "own task listed"
assert_eq 403 "$(call h-fiber GET /api/v1/divisions/metrology/tasks)" "another division's tasks"
assert_eq 403 "$(call op002 GET /api/v1/divisions/metrology/tasks)" "operators do not read task lists"
assert_eq 200 "$(call insp001 GET /api/v1/divisions/metrology/tasks)" "the inspection office reads every list"
# The list by state; each shape is a statement of its own (intake_staff_read.c).
listed() {
  [[ "$(call h-metrology GET "/api/v1/divisions/metrology/tasks?state=$1")" == 200 ]] || fail "tasks?state=$1"
  grep -q "$call_case" "$H_DIR/r" && echo yes || echo no
}
assert_eq "yes yes yes no no no" "$(listed open) $(listed dispatched) $(listed all) $(listed signed) $(listed replied) $(listed returned)" \
  "a dispatched task: open, dispatched and all"
assert_eq 200 "$(call h-metrology POST "/api/v1/cases/$call_case/steps/sign" '{}')" "the division signs"
# metrology_task_is STATE: the metrology task of $call_case is in STATE.
metrology_task_is() {
  [[ "$(psql_q "SELECT state FROM tasks WHERE division = 'metrology' AND case_id = (SELECT id FROM cases WHERE case_number = '$call_case')")" == "$1" ]]
}
wait_until 10 metrology_task_is signed
assert_eq "yes no yes yes no no" "$(listed open) $(listed dispatched) $(listed all) $(listed signed) $(listed replied) $(listed returned)" \
  "a signed task: open, signed and all"
assert_eq 201 "$(call op001 POST /api/v1/cases '{"channel":"hotline","kind":"complaint","subject":"电子秤不准","description":"超市电子秤缺斤短两","requester":{"name":"赵六","phone":"13700000001"}}')" "a second call"
[[ "$(cat "$H_DIR/r")" =~ \"case_number\":\ ?\"(DB[0-9]+)\" ]] || fail "no case number"
first_case=$call_case call_case=${BASH_REMATCH[1]}
wait_until 10 dispatched
assert_eq 200 "$(call h-metrology POST "/api/v1/cases/$call_case/steps/return" '{"text":"属于纤维检验机构职责","to":"fiber"}')" "the division returns it"
wait_until 10 metrology_task_is returned
assert_eq "no no yes no no yes" "$(listed open) $(listed dispatched) $(listed all) $(listed signed) $(listed replied) $(listed returned)" \
  "a returned task: all and returned, no longer open (as in the queue)"
call_case=$first_case
assert_eq 400 "$(call h-metrology GET "/api/v1/divisions/metrology/tasks?state=closed")" "an unknown state"
assert_eq 200 "$(call h-metrology GET "/api/v1/cases/$call_case")" "the handling division reads the case"
assert_contains "$(cat "$H_DIR/r")" "13700000000" "handlers see the requester"
assert_eq 404 "$(call h-fiber GET "/api/v1/cases/$call_case")" "other divisions do not even learn it exists"
assert_eq 200 "$(call op002 GET "/api/v1/cases/$call_case")" "another operator may read it"
assert_not_contains "$(cat "$H_DIR/r")" "13700000000" "but not the requester's phone"
assert_not_contains "$(cat "$H_DIR/r")" "王五" "nor name"
assert_eq 200 "$(call op001 GET "/api/v1/cases/$call_case")" "the first responder reads it"
assert_contains "$(cat "$H_DIR/r")" "王五" "with the requester"

# dubanctl staff: add, list, revoke; tokens are stored hashed only.
token=$(harness_ctl staff add op009 --name 夜班话务员 --role operator)
[[ "$token" =~ ^dbn_[0-9a-f]{48}$ ]] || fail "staff add printed '$token'"
assert_eq 0 "$(psql_q "SELECT count(*) FROM staff_tokens WHERE position('$token' IN encode(token_sha256, 'escape')) > 0")" "token not stored in clear"
assert_eq 1 "$(psql_q "SELECT count(*) FROM staff_tokens WHERE token_sha256 = sha256(convert_to('$token', 'UTF8'))")" "token stored as its SHA-256"
assert_contains "$(harness_ctl staff list)" "op009" "listed"
harness_ctl staff revoke op009 > /dev/null
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" --data-binary "$hotline" "$H_INTAKE_URL/api/v1/cases")
assert_eq 401 "$status" "revoked token refused"
set +e
harness_ctl staff add h-x --name x --role handler > /dev/null 2>&1
rc=$?
set -e
assert_eq 2 "$rc" "a handler needs a division"
echo "PASS intake_auth"
