# duban across three hosts, made on one machine as Linux network namespaces:
#   host A (intake, triage)  --10.77.1.0/24--  host B (dispatch, watch, bulletin)
#        \--10.77.2.0/24--  host C (PostgreSQL, Redis)  --10.77.3.0/24--/
# Each host has its own settings file (the same addresses: each service binds
# its host's private address, the others name it as a peer; nothing binds
# 0.0.0.0) and only the secrets of the services it runs. The bus is CURVE-
# secured. Cases flow end to end from an intake on A to tasks dispatched on
# B; host A's services, then host B's, are killed with kill -9 and started
# again while cases stream in, and nothing accepted is lost or done twice.
# Needs root (ip netns); skipped, saying so, where namespaces cannot be made.
source "$(dirname "$0")/../lib/harness.sh"
probe=duban-probe-$$-$RANDOM
if ! err=$(ip netns add "$probe" 2>&1); then
  echo "SKIP: three_hosts cannot make network namespaces here (needs root and ip netns): $err"
  exit 77
fi
ip netns del "$probe"
harness_init three_hosts

sfx=$$
NS_A=duban-a-$sfx-$RANDOM NS_B=duban-b-$sfx-$RANDOM NS_C=duban-c-$sfx-$RANDOM
A_B=10.77.1.1 B_A=10.77.1.2 A_C=10.77.2.1 C_A=10.77.2.2 B_C=10.77.3.1 C_B=10.77.3.2
C=$H_DIR/c
made_ns=()
declare -A PID=()
redis_pid=''
cleanup() { # everything this test started, then its namespaces (by name)
  local pid ns
  for pid in "${PID[@]}" $redis_pid; do _harness_kill_child "$pid" KILL; done
  [[ ! -f "$C/pg/postmaster.pid" ]] || duban_pg_stop "$C/pg" >/dev/null 2>&1
  for ns in "${made_ns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
harness_on_exit cleanup
ip netns add "$NS_A" && made_ns+=("$NS_A")
ip netns add "$NS_B" && made_ns+=("$NS_B")
ip netns add "$NS_C" && made_ns+=("$NS_C")
link() { # NS1 ADDR1 NS2 ADDR2 NAME: a veth pair between two hosts, a /24 between them
  ip link add "$5a" type veth peer name "$5b"
  ip link set "$5a" netns "$1"
  ip link set "$5b" netns "$3"
  ip -n "$1" addr add "$2/24" dev "$5a"
  ip -n "$3" addr add "$4/24" dev "$5b"
  ip -n "$1" link set "$5a" up
  ip -n "$3" link set "$5b" up
}
for ns in "$NS_A" "$NS_B" "$NS_C"; do ip -n "$ns" link set lo up; done
link "$NS_A" "$A_B" "$NS_B" "$B_A" "dab$sfx"
link "$NS_A" "$A_C" "$NS_C" "$C_A" "dac$sfx"
link "$NS_B" "$B_C" "$NS_C" "$C_B" "dbc$sfx"
# (a process meant to be killed later is started with `ip netns exec` itself,
# which becomes the program, never through a function: $! would then be a
# subshell, and killing it would leave the program running)
on() { # HOST CMD...: run CMD on host A, B or C
  local ns=NS_$1
  shift
  ip netns exec "${!ns}" "$@"
}
common() { # HOST FUNCTION ARGS...: a function of tools/lib/common.sh on a host
  local host=$1
  shift
  on "$host" bash -c 'source "$1"; shift; "$@"' _ "$DUBAN_SOURCE_DIR/tools/lib/common.sh" "$@"
}

# --- host C: PostgreSQL and Redis on its private addresses --------------------
mkdir -p "$C"
duban_pg_init "$C/pg" "$C/secrets" >/dev/null
printf 'host all all 10.77.0.0/16 scram-sha-256\n' >>"$C/pg/pg_hba.conf"
common C duban_pg_start "$C/pg" 5432 "$C/pgsock" "$C/postgres.log" \
  "-c listen_addresses=127.0.0.1,$C_A,$C_B" "-c fsync=off" "-c synchronous_commit=off"
ip netns exec "$NS_C" redis-server --port 6379 --bind 127.0.0.1 "$C_A" "$C_B" --protected-mode no --save '' \
  --appendonly no --dir "$C" >>"$C/redis.log" 2>&1 </dev/null &
redis_pid=$!
redis_up() { [[ "$(on "$1" redis-cli -h "$2" -p 6379 ping 2>/dev/null)" == PONG ]]; }
wait_until 20 redis_up A "$C_A" # host A reaches host C
wait_until 20 redis_up B "$C_B" # and so does host B
# roles, database, schema, tokens and keys, made by an administrator on host C
duban_write_settings "$C/duban.conf" "$DUBAN_SOURCE_DIR" 5432 duban 6379 "duban:" 7100
on C "$DUBAN_BIN_DIR/dubanctl" --config "$C/duban.conf" roles \
  --superuser "user=$DUBAN_PG_SUPERUSER passfile=$C/secrets/$DUBAN_PG_SUPERUSER.pgpass" --database \
  >"$C/roles.log" 2>&1 || { cat "$C/roles.log" >&2; fail "dubanctl roles on host C"; }
on C "$DUBAN_BIN_DIR/dubanctl" --config "$C/duban.conf" setup --demo-tokens >"$C/setup.log" 2>&1 ||
  { cat "$C/setup.log" >&2; fail "dubanctl setup on host C"; }
"$DUBAN_BIN_DIR/dubanctl" --config "$C/duban.conf" keys >>"$C/setup.log"

# --- hosts A and B: one settings text, each host's own secrets ------------------
host_conf() { # HOST PG_AND_REDIS_ADDRESS
  local dir=$H_DIR/${1,,} s
  s=$dir/secrets
  mkdir -p "$s" "$dir/photos" "$dir/bulletins"
  chmod 700 "$s"
  cat >"$dir/duban.conf" <<EOF
# Host $1 of three: every service binds its own host's private address; the
# others' addresses are their peers. The same text serves every host but for
# where PostgreSQL and Redis are reached and which secrets are here.
org_file = "$DUBAN_SOURCE_DIR/deploy/config/org.conf";
schema_dir = "$DUBAN_SOURCE_DIR/deploy/schema";
secrets_dir = "$s";
bus = { curve = 1; };
pg = { conninfo = "host=$2 port=5432 dbname=duban connect_timeout=2"; };
ctl = { pg_conninfo = "user=duban_admin passfile=$s/duban_admin.pgpass"; token_dir = "$C/tokens"; };
redis = { host = "$2"; port = 6379; prefix = "duban:"; };
outbox = { resend_after_ms = 1000; };
intake = { http = "$A_B:7100"; out = "tcp://$A_B:7101"; trusted_proxy = "$A_B"; photos_dir = "$dir/photos";
           pg_conninfo = "user=duban_intake passfile=$s/duban_intake.pgpass"; };
triage = { health = "$A_B:7102"; in = "tcp://$A_B:7101"; out = "tcp://$A_B:7103";
           pg_conninfo = "user=duban_triage passfile=$s/duban_triage.pgpass"; };
dispatch = { health = "$B_A:7104"; in = "tcp://$A_B:7103"; pub = "tcp://$B_A:7105"; console = "tcp://$B_A:7106";
             pg_conninfo = "user=duban_dispatch passfile=$s/duban_dispatch.pgpass"; };
watch = { health = "$B_A:7107"; pub = "tcp://$B_A:7108"; console = "tcp://$B_A:7109";
          pg_conninfo = "user=duban_watch passfile=$s/duban_watch.pgpass"; };
bulletin = { health = "$B_A:7110"; pub = "tcp://$B_A:7111"; console = "tcp://$B_A:7113"; out_dir = "$dir/bulletins";
             pg_conninfo = "user=duban_bulletin passfile=$s/duban_bulletin.pgpass"; };
EOF
}
give() { # HOST SERVICE...: the secrets those services (and dubanctl) need on HOST
  local s=$H_DIR/${1,,}/secrets svc
  shift
  cp -p "$C/secrets/bus_public.keys" "$C/secrets/fingerprint.key" "$C/secrets/bus_ctl.key" \
    "$C/secrets/duban_admin.pgpass" "$s/"
  for svc in "$@"; do cp -p "$C/secrets/bus_$svc.key" "$C/secrets/duban_$svc.pgpass" "$s/"; done
}
host_conf A "$C_A"
host_conf B "$C_B"
give A intake triage
give B dispatch watch bulletin
[[ ! -e "$H_DIR/a/secrets/bus_dispatch.key" ]] || fail "host A holds dispatch's key"

declare -A HOST=() HEALTH=([intake]="$A_B:7100" [triage]="$A_B:7102"
  [dispatch]="$B_A:7104" [watch]="$B_A:7107" [bulletin]="$B_A:7110")
HOST=([intake]=A [triage]=A [dispatch]=B [watch]=B [bulletin]=B)
healthy() { on "$1" curl -fs -o /dev/null --max-time 2 "http://$2/healthz"; }
start() { # SVC...: start services on their hosts, wait until healthy
  local svc h ns
  for svc in "$@"; do
    h=${HOST[$svc]}
    ns=NS_$h
    ip netns exec "${!ns}" "$DUBAN_BIN_DIR/duban-$svc" --config "$H_DIR/${h,,}/duban.conf" \
      >>"$H_DIR/$svc.log" 2>&1 </dev/null &
    PID[$svc]=$!
  done
  for svc in "$@"; do wait_until 30 healthy "${HOST[$svc]}" "${HEALTH[$svc]}"; done
}
kill9() { # SVC...
  local svc
  for svc in "$@"; do
    kill -KILL "${PID[$svc]}"
    wait "${PID[$svc]}" 2>/dev/null || true
  done
}
start intake triage dispatch watch bulletin

# Nothing listens on a wildcard address on either host.
for h in A B; do
  if on "$h" ss -Hltn | awk '{print $4}' | grep -E '^(0\.0\.0\.0|\*|\[::\]):'; then
    fail "host $h listens on a wildcard address"
  fi
done

# --- cases stream into host A's intake ----------------------------------------------
on_a() { on A "$@"; }
harness_submitter_start --token "$(cat "$C/tokens/op003.token")" --via on_a 三台主机 跨主机测试 "http://$A_B:7100"
more() { harness_submitter_wait 60 $(($(harness_submitter_count) + 30)); }
cpsql() { on C "$(duban_pg_bindir)/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -U "$DUBAN_PG_SUPERUSER" -d duban -c "$1"; }
export PGPASSFILE=$C/secrets/$DUBAN_PG_SUPERUSER.pgpass
dispatched() { cpsql "SELECT count(*) FROM cases WHERE state = 'dispatched'"; }
some_dispatched() { (($(dispatched) >= 10)); }
more
wait_until 30 some_dispatched # end to end across the hosts
kill9 intake triage # host A goes down...
sleep 0.5
start intake triage # ...and comes back
more
kill9 dispatch watch bulletin # host B goes down...
sleep 0.5
start dispatch watch bulletin # ...and comes back
more
harness_submitter_stop

accepted=$(sort -u "$H_ACCEPTED" | wc -l)
((accepted >= 90)) || fail "only $accepted cases accepted"
all_dispatched() { [[ "$(cpsql "SELECT count(*) FROM cases WHERE state <> 'dispatched'")" == 0 ]]; }
wait_until 60 all_dispatched
stored=$(cpsql "SELECT count(*) FROM cases")
((stored >= accepted && stored <= accepted + 2)) || fail "stored $stored cases for $accepted accepted"
missing=0
while read -r number; do
  [[ "$(cpsql "SELECT count(*) FROM cases WHERE case_number = '$number'")" == 1 ]] || missing=$((missing + 1))
done <"$H_ACCEPTED"
assert_eq 0 "$missing" "accepted cases missing on host C"
assert_eq "$stored" "$(cpsql "SELECT count(*) FROM tasks")" "one task per case"
assert_eq 0 "$(cpsql "SELECT count(*) FROM (SELECT case_id, type FROM case_events GROUP BY 1, 2 HAVING count(*) <> 1) d")" \
  "steps recorded other than once"
assert_eq 0 "$(cpsql "SELECT count(*) FROM outbox WHERE destination IN ('triage', 'dispatch') AND delivered_at IS NULL")" \
  "messages never acknowledged"
assert_eq 0 "$(cpsql "SELECT count(*) FROM case_handoffs")" "no case left listed between stages"
# the bus crossed hosts encrypted: every service ran with its key, and none
# was refused by another (the allow-list is the same on every host)
if grep -h "refused a bus connection\|could not make a secure connection" "$H_DIR"/{intake,triage,dispatch,watch,bulletin}.log; then
  fail "a bus connection between the hosts was refused"
fi
for svc in intake triage dispatch watch bulletin; do
  kill -TERM "${PID[$svc]}"
  st=0
  wait "${PID[$svc]}" || st=$?
  assert_eq 0 "$st" "duban-$svc exits 0 on SIGTERM"
done
echo "PASS three_hosts accepted=$accepted"
