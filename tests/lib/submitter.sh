# shellcheck shell=bash
# tests/lib/submitter.sh: a steady stream of complaints in the background, for
# the fault tests that kill or replace parts while cases come in and then check
# that every case acknowledged was kept and done once. Sourced by harness.sh.
#
#   harness_submitter_start [--token TOKEN] [--via CMD] SUBJECT DESCRIPTION URL...
#   harness_submitter_wait 60 $(($(harness_submitter_count) + 40))
#   ... kill, restart, fail over ...
#   harness_submitter_stop
#   # $H_ACCEPTED: the case number of every 201, one a line
#
# Cases go to each intake URL in turn, as a balancer would; each is a hotline
# complaint taken by op003 with one of eight categories in turn and the
# subject "SUBJECT <n>". A request that fails or is refused is simply not
# recorded. A stopped submitter ends after the request in flight, so that its
# answer is recorded too.

H_ACCEPTED=
_H_SUBMITTER_PID=

# harness_submitter_start [--token TOKEN] [--via CMD] SUBJECT DESCRIPTION URL...:
# start submitting (at most 3000 cases) to the intakes at URL... in turn, as
# op003 (or with the bearer TOKEN), each request run as `CMD curl ...` when CMD
# is given (e.g. a function that runs a command on another host). The case
# numbers of the 201s go to the file $H_ACCEPTED. It is stopped at exit, before
# anything else the test set up.
harness_submitter_start() {
  local token='' via='' subject description urls
  [[ -z "$_H_SUBMITTER_PID" ]] || fail "harness_submitter_start: a submitter is already running"
  while (($#)); do
    case "$1" in
      --token) token=${2:?} && shift 2 ;;
      --via) via=${2:?} && shift 2 ;;
      *) break ;;
    esac
  done
  (($# >= 3)) || fail "usage: harness_submitter_start [--token TOKEN] [--via CMD] SUBJECT DESCRIPTION URL..."
  subject=$1 description=$2
  urls=("${@:3}")
  # (put into the JSON as they are)
  [[ "$subject$description" != *[\"\\]* ]] || fail "harness_submitter_start: no quotes or backslashes in the texts"
  [[ -n "$token" ]] || token=$(token_of op003)
  H_ACCEPTED=$H_DIR/accepted
  : >"$H_ACCEPTED"
  rm -f "$H_DIR/submitter.stop"
  _harness_submit_loop "$via" "$token" "$subject" "$description" "${urls[@]}" &
  _H_SUBMITTER_PID=$!
  # At exit it stops first, before what it talks to is torn down.
  H_CLEANUP_HOOKS=("touch '$H_DIR/submitter.stop'; _harness_kill_child $_H_SUBMITTER_PID TERM" "${H_CLEANUP_HOOKS[@]}")
}

# _harness_submit_loop CMD TOKEN SUBJECT DESCRIPTION URL...: the background
# part of harness_submitter_start (CMD may be empty).
_harness_submit_loop() {
  local token=$2 subject=$3 description=$4 urls=("${@:5}") via=() i=0 body status
  local categories=(special-equipment metrology counterfeit fiber product-quality licensing fees standards)
  [[ -z "$1" ]] || via=("$1")
  while [[ ! -e "$H_DIR/submitter.stop" ]] && ((i < 3000)); do
    body="{\"channel\":\"hotline\",\"kind\":\"complaint\",\"first_responder\":\"op003\",\"category\":\"${categories[i % 8]}\",\"subject\":\"$subject $i\",\"description\":\"$description\"}"
    status=$("${via[@]}" curl -s -o "$H_DIR/submitter.body" -w '%{http_code}' --max-time 5 \
      -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
      --data-binary "$body" "${urls[i % ${#urls[@]}]}/api/v1/cases" || true)
    if [[ "$status" == 201 && "$(cat "$H_DIR/submitter.body")" =~ \"case_number\":\ ?\"(DB[0-9]+)\" ]]; then
      echo "${BASH_REMATCH[1]}" >>"$H_ACCEPTED"
    fi
    i=$((i + 1))
  done
}

# harness_submitter_count: how many cases have been acknowledged so far.
harness_submitter_count() {
  [[ -n "$H_ACCEPTED" ]] || fail "harness_submitter_count: no submitter started"
  wc -l <"$H_ACCEPTED"
}

_harness_submitted_at_least() { (($(harness_submitter_count) >= $1)); }

# harness_submitter_wait TIMEOUT_S COUNT: wait until COUNT cases in all have
# been acknowledged.
harness_submitter_wait() {
  wait_until "${1:?}" _harness_submitted_at_least "${2:?}"
}

# harness_submitter_stop: end the stream after the request in flight and wait
# for it; $H_ACCEPTED is complete afterwards.
harness_submitter_stop() {
  [[ -n "$_H_SUBMITTER_PID" ]] || fail "harness_submitter_stop: no submitter running"
  touch "$H_DIR/submitter.stop"
  wait "$_H_SUBMITTER_PID" || true
  _H_SUBMITTER_PID=
}
