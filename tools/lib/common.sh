# shellcheck shell=bash
# Shared helpers for tools/up, tools/down, tools/test and tests/lib/harness.sh.
# Source this file; do not execute it. Every function is safe under `set -euo pipefail`.
#
# Conventions:
#   - progress goes to stdout, warnings and errors to stderr;
#   - functions that "return" a value print it on stdout (only that);
#   - processes are started in the background by the caller and stopped by PID,
#     never by name.

if [[ -n "${_DUBAN_COMMON_SH:-}" ]]; then
  return 0
fi
_DUBAN_COMMON_SH=1

# Debian packages needed to build, run and test duban.
DUBAN_PACKAGES=(
  build-essential cmake pkg-config
  libzmq3-dev libprotobuf-c-dev protobuf-c-compiler libevent-dev libjansson-dev
  libcmocka-dev libconfig-dev libhiredis-dev libpq-dev libcurl4-openssl-dev uuid-dev
  libsodium-dev libxml2-dev libcsv-dev libxml2-utils jq chromium systemd
  postgresql redis-server curl
  chromium-driver python3-selenium fonts-wqy-microhei wrk poppler-utils
  libturbojpeg0-dev libexif-dev libpng-dev libgmime-3.0-dev
  prometheus python3-kubernetes python3-yaml
)

# The services, in start order. Stop order is the same (upstream first).
# shellcheck disable=SC2034 # used by the scripts that source this file
DUBAN_SERVICES=(intake triage dispatch watch bulletin web)
# Ports of one deployment's services (see duban_write_settings).
DUBAN_PORTS_PER_DEPLOYMENT=16

# duban_services_built BINDIR: the services of DUBAN_SERVICES whose binary exists,
# in start order (a service still being written is simply not started).
duban_services_built() {
  local bin=$1 svc
  for svc in "${DUBAN_SERVICES[@]}"; do
    [[ -x "$bin/duban-$svc" ]] && printf '%s\n' "$svc"
  done
  return 0
}

# ---------------------------------------------------------------------------
# Messages

duban_log() { printf '==> %s\n' "$*"; }
duban_warn() { printf 'duban: warning: %s\n' "$*" >&2; }
duban_err() { printf 'duban: error: %s\n' "$*" >&2; }
duban_die() {
  duban_err "$@"
  exit 1
}

# duban_tail_log FILE [LINES]: print the last LINES (default 40) lines of FILE, framed.
duban_tail_log() {
  local file=$1 n=${2:-40}
  if [[ -f "$file" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$n" "$file" >&2
    tail -n "$n" -- "$file" >&2 || true
    printf -- '----- end of %s -----\n' "$file" >&2
  else
    printf -- '----- %s does not exist -----\n' "$file" >&2
  fi
}

# duban_now_us: current time in microseconds (no subshell needed by callers that
# use ${EPOCHREALTIME}; this one is for convenience).
duban_now_us() {
  local t=${EPOCHREALTIME/[.,]/}
  printf '%s\n' "$t"
}

# ---------------------------------------------------------------------------
# Debian packages

# duban_missing_packages: print the packages of DUBAN_PACKAGES that are not installed.
# A package whose configuration failed (e.g. the packaged PostgreSQL could not start
# its service) still has its files, so it counts as present.
duban_missing_packages() {
  local p st
  for p in "${DUBAN_PACKAGES[@]}"; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    case "$st" in
      installed | half-configured | unpacked | triggers-awaited | triggers-pending) ;;
      *) printf '%s\n' "$p" ;;
    esac
  done
}

# duban_ensure_packages: install whatever is missing (as root), or explain what to run.
duban_ensure_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    duban_warn "not a Debian-like system: make sure these (or equivalents) are installed: ${DUBAN_PACKAGES[*]}"
    return 0
  fi
  local missing=()
  mapfile -t missing < <(duban_missing_packages)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  if ((EUID != 0)); then
    duban_err "missing Debian packages: ${missing[*]}"
    duban_err "install them as root, then run this again:"
    duban_err "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
    return 1
  fi
  duban_log "installing missing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get update; then
    duban_warn "apt-get update failed; trying to install anyway"
  fi
  if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
    # The packaged PostgreSQL/Redis may fail to start their own service here; that
    # is harmless (duban runs its own instances). Finish configuring what we can.
    duban_warn "apt-get install reported an error (a refused start of the packaged postgresql/redis service is harmless); checking what got installed"
    dpkg --configure -a || true
  fi
  mapfile -t missing < <(duban_missing_packages)
  if ((${#missing[@]} != 0)); then
    duban_err "still missing after apt-get install: ${missing[*]}"
    return 1
  fi
}

# ---------------------------------------------------------------------------
# Build

# duban_build REPO BUILDDIR BUILD_TYPE [CMAKE_ARGS...]: configure and build REPO/BUILDDIR.
duban_build() {
  local repo=$1 dir=$2 type=$3
  shift 3
  duban_log "building $dir/ ($type${*:+, $*})"
  cmake -S "$repo" -B "$repo/$dir" -DCMAKE_BUILD_TYPE="$type" "$@" || return 1
  cmake --build "$repo/$dir" -j "${DUBAN_JOBS:-2}" || return 1
}

# ---------------------------------------------------------------------------
# Processes

# duban_pid_alive PID: true if PID runs (a zombie counts as gone).
duban_pid_alive() {
  local pid=${1:-} st
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -d /proc/$pid ]]; then
    # read, not $(<file): the process may end between the test and the read,
    # and bash (5.2) exits a `set -e` shell when $(<file) cannot open its
    # file, `|| return` or not (silently here, its stderr being /dev/null)
    { read -r st <"/proc/$pid/stat"; } 2>/dev/null || return 1
    st=${st##*) }
    [[ "${st:0:1}" != Z ]] || return 1
  fi
  return 0
}

# duban_pid_matches PID WORD: true if PID runs and its command line contains WORD.
# Guards against stale PID files whose number was reused by an unrelated process.
duban_pid_matches() {
  local pid=${1:-} word=$2 cmd
  duban_pid_alive "$pid" || return 1
  if [[ ! -r /proc/$pid/cmdline ]]; then
    return 0 # cannot check; trust the PID file
  fi
  { cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline"); } 2>/dev/null || return 1
  [[ "$cmd" == *"$word"* ]]
}

# duban_read_pidfile FILE: print the PID stored in FILE (first line), if any.
duban_read_pidfile() {
  local file=$1 pid=""
  if [[ -r "$file" ]]; then
    IFS= read -r pid <"$file" || true
  fi
  if [[ "$pid" =~ ^[0-9]+$ ]]; then
    printf '%s\n' "$pid"
  fi
}

# duban_stop_pid PID [TIMEOUT_S]: SIGTERM, wait up to TIMEOUT_S (default 5) seconds,
# then SIGKILL. Returns 0 once the process is gone (1 if even SIGKILL did not help).
duban_stop_pid() {
  local pid=${1:-} timeout=${2:-5} i
  duban_pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    duban_pid_alive "$pid" || return 0
    sleep 0.1
  done
  duban_warn "pid $pid did not stop within ${timeout}s after SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    duban_pid_alive "$pid" || return 0
    sleep 0.1
  done
  duban_err "pid $pid is still running after SIGKILL"
  return 1
}

# ---------------------------------------------------------------------------
# Ports: duban_reserve_ports, duban_hold_ports, duban_port_in_use

# shellcheck source-path=SCRIPTDIR source=ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

# ---------------------------------------------------------------------------
# HTTP health

# duban_health_url SVC BASEPORT: print the health URL of a service.
duban_health_url() {
  local svc=$1 base=$2
  case "$svc" in
    intake) printf 'http://127.0.0.1:%s/healthz\n' "$base" ;;
    triage) printf 'http://127.0.0.1:%s/healthz\n' "$((base + 2))" ;;
    dispatch) printf 'http://127.0.0.1:%s/healthz\n' "$((base + 4))" ;;
    watch) printf 'http://127.0.0.1:%s/healthz\n' "$((base + 7))" ;;
    bulletin) printf 'http://127.0.0.1:%s/healthz\n' "$((base + 10))" ;;
    web) printf 'http://127.0.0.1:%s/healthz\n' "$((base + 12))" ;;
    *)
      duban_err "unknown service '$svc' (expected intake, triage, dispatch, watch, bulletin or web)"
      return 1
      ;;
  esac
}

# duban_metrics_url SERVICE BASEPORT: where a service of a deployment answers GET /metrics
# (intake and web on a port of their own, the others beside /healthz).
duban_metrics_url() {
  local svc=$1 base=$2 health
  case "$svc" in
    intake) printf 'http://127.0.0.1:%s/metrics\n' "$((base + 14))" ;;
    web) printf 'http://127.0.0.1:%s/metrics\n' "$((base + 15))" ;;
    *)
      health=$(duban_health_url "$svc" "$base") || return 1
      printf '%s/metrics\n' "${health%/healthz}"
      ;;
  esac
}

# duban_wait_http URL [TIMEOUT_S] [PID] [LOGFILE] [NAME]: poll URL every 0.1 s until
# it answers 2xx. Fails early if PID (when given) exits; prints LOGFILE's tail on failure.
duban_wait_http() {
  local url=$1 timeout=${2:-20} pid=${3:-} log=${4:-} name=${5:-$1}
  local now=${EPOCHREALTIME/[.,]/}
  local deadline=$((now + timeout * 1000000))
  while :; do
    if curl -fs -o /dev/null --max-time 2 "$url" 2>/dev/null; then
      return 0
    fi
    if [[ -n "$pid" ]] && ! duban_pid_alive "$pid"; then
      duban_err "$name (pid $pid) exited while waiting for $url"
      [[ -z "$log" ]] || duban_tail_log "$log" 40
      return 1
    fi
    now=${EPOCHREALTIME/[.,]/}
    if ((now >= deadline)); then
      duban_err "$name did not become healthy at $url within ${timeout}s:"
      curl -fsS -o /dev/null --max-time 2 "$url" || true
      [[ -z "$log" ]] || duban_tail_log "$log" 40
      return 1
    fi
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------
# PostgreSQL (own clusters; initdb/postgres refuse to run as root)

# duban_pg_bindir: print the folder holding initdb/pg_ctl/postgres (newest version),
# or $DUBAN_PG_BIN if set.
duban_pg_bindir() {
  if [[ -n "${DUBAN_PG_BIN:-}" ]]; then
    printf '%s\n' "$DUBAN_PG_BIN"
    return 0
  fi
  local d best=""
  while IFS= read -r d; do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && best=$d
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
  if [[ -z "$best" ]] && command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null || true)
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && best=$d
  fi
  if [[ -z "$best" ]] && command -v initdb >/dev/null 2>&1; then
    best=$(dirname "$(command -v initdb)")
  fi
  if [[ -z "$best" ]]; then
    duban_err "PostgreSQL server binaries (initdb, pg_ctl) not found; install the 'postgresql' package"
    return 1
  fi
  printf '%s\n' "$best"
}

# duban_as_pg CMD...: run CMD as user postgres when we are root, else as ourselves.
# Runs from / so a root-only current folder does not bother the postgres user.
duban_as_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# duban_pg_own PATH...: create folders (if missing) owned by the PostgreSQL user.
duban_pg_own() {
  local d
  for d in "$@"; do
    mkdir -p "$d"
    if ((EUID == 0)); then
      chown postgres: "$d"
    fi
  done
}

# duban_pg_can_traverse DIR: true if the PostgreSQL user can reach DIR.
duban_pg_can_traverse() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- test -x "$1") 2>/dev/null
  else
    test -x "$1"
  fi
}

# The cluster's bootstrap superuser, for tools/up and tools/test only (making
# databases and roles, test fixtures); no duban program connects as it. Its
# password is in the passfile DUBAN_PG_SUPERUSER_PASSFILE, which duban_psql,
# duban_pg_createdb and duban_pg_dropdb use (set by tools/up and tools/test).
DUBAN_PG_SUPERUSER=duban
DUBAN_PG_SUPERUSER_PASSFILE=${DUBAN_PG_SUPERUSER_PASSFILE:-}

# duban_superuser_passfile SECRETS_DIR: print the superuser's passfile in
# SECRETS_DIR, making it (with a new random password, mode 0600) if missing.
duban_superuser_passfile() {
  local dir=$1 file pw
  file=$dir/$DUBAN_PG_SUPERUSER.pgpass
  if [[ ! -s "$file" ]]; then
    mkdir -p "$dir"
    chmod 700 "$dir"
    pw=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n') || return 1
    [[ "$pw" =~ ^[0-9a-f]{48}$ ]] || {
      duban_err "could not make a password for the PostgreSQL superuser"
      return 1
    }
    (umask 077 && printf '*:*:*:%s:%s\n' "$DUBAN_PG_SUPERUSER" "$pw" >"$file.tmp") && mv -f "$file.tmp" "$file"
  fi
  printf '%s\n' "$file"
}

# _duban_superuser_password PASSFILE: the password in the superuser's passfile.
_duban_superuser_password() {
  local line
  IFS= read -r line <"$1" || true
  printf '%s\n' "${line##*:}"
}

# duban_pg_init DATADIR [SECRETS_DIR]: create a cluster unless one exists: password
# (SCRAM) authentication for every connection, local ones included, and the
# superuser duban with the password of SECRETS_DIR/duban.pgpass (made if missing;
# by default the one of DUBAN_PG_SUPERUSER_PASSFILE, so that a test's own cluster
# has the suite's superuser password). duban_pg_roles then makes duban's roles.
duban_pg_init() {
  local data=$1 secrets=${2:-} bin out passfile pwfile rc=0
  if [[ -z "$secrets" ]]; then
    [[ -n "$DUBAN_PG_SUPERUSER_PASSFILE" ]] || {
      duban_err "duban_pg_init: no secrets folder for the superuser's password"
      return 1
    }
    secrets=$(dirname "$DUBAN_PG_SUPERUSER_PASSFILE")
  fi
  bin=$(duban_pg_bindir) || return 1
  if [[ -f "$data/PG_VERSION" ]]; then
    return 0
  fi
  if [[ -d "$data" ]] && [[ -n "$(ls -A "$data" 2>/dev/null)" ]]; then
    duban_warn "$data holds no complete cluster (no PG_VERSION); recreating it"
    find "$data" -mindepth 1 -delete
  fi
  passfile=$(duban_superuser_passfile "$secrets") || return 1
  duban_pg_own "$data"
  chmod 700 "$data"
  # initdb runs as postgres: the password goes through a file only it reads
  pwfile=$(mktemp "${TMPDIR:-/tmp}/duban-initdb.XXXXXX") || return 1
  _duban_superuser_password "$passfile" >"$pwfile"
  if ((EUID == 0)); then
    chown postgres: "$pwfile"
  fi
  duban_log "creating PostgreSQL cluster in $data"
  local args=(-D "$data" -U "$DUBAN_PG_SUPERUSER" --pwfile="$pwfile" --auth=scram-sha-256 -E UTF8)
  if ! out=$(duban_as_pg "$bin/initdb" "${args[@]}" --locale=C.UTF-8 2>&1); then
    duban_warn "initdb with --locale=C.UTF-8 failed; retrying with --no-locale"
    find "$data" -mindepth 1 -delete 2>/dev/null || true
    if ! out=$(duban_as_pg "$bin/initdb" "${args[@]}" --no-locale 2>&1); then
      printf '%s\n' "$out" >&2
      duban_err "initdb failed for $data"
      rc=1
    fi
  fi
  rm -f "$pwfile"
  return "$rc"
}

# duban_pg_secure DATADIR PORT SECRETS_DIR: a running cluster made by an older
# tools/up (trust authentication: any local user was its superuser) gets the
# superuser password of SECRETS_DIR/duban.pgpass and password authentication.
duban_pg_secure() {
  local data=$1 port=$2 secrets=$3 bin passfile
  bin=$(duban_pg_bindir) || return 1
  if ! grep -Eq '^[[:space:]]*[^#[:space:]].*[[:space:]]trust([[:space:]]|$)' "$data/pg_hba.conf"; then
    return 0
  fi
  duban_log "PostgreSQL in $data trusts every local user: setting a superuser password and password authentication"
  passfile=$(duban_superuser_passfile "$secrets") || return 1
  # (a trusted connection; the statement comes on stdin, not the command line)
  printf "ALTER ROLE %s PASSWORD '%s';\n" "$DUBAN_PG_SUPERUSER" "$(_duban_superuser_password "$passfile")" |
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$DUBAN_PG_SUPERUSER" -d postgres -f - ||
    return 1
  duban_as_pg sed -i -E '/^[[:space:]]*#/!s/([[:space:]])trust([[:space:]]|$)/\1scram-sha-256\2/' "$data/pg_hba.conf" ||
    return 1
  duban_as_pg "$bin/pg_ctl" -D "$data" reload >/dev/null
}

# duban_pg_running DATADIR: true if a postmaster runs on DATADIR.
duban_pg_running() {
  local data=$1 bin
  [[ -f "$data/PG_VERSION" ]] || return 1
  bin=$(duban_pg_bindir) || return 1
  duban_as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

# duban_pg_pid DATADIR: print the postmaster PID (first line of postmaster.pid).
duban_pg_pid() {
  duban_read_pidfile "$1/postmaster.pid"
}

# duban_pg_start DATADIR PORT SOCKDIR LOGFILE [SERVER_OPTION...]: start the cluster
# listening on 127.0.0.1:PORT and a socket in SOCKDIR, e.g. extra options
# "-c fsync=off" "-c max_connections=200". Waits until it accepts connections.
duban_pg_start() {
  local data=$1 port=$2 sock=$3 log=$4 bin opts o
  shift 4
  bin=$(duban_pg_bindir) || return 1
  duban_pg_own "$sock"
  mkdir -p "$(dirname "$log")"
  touch "$log"
  if ((EUID == 0)); then
    chown postgres: "$log"
  fi
  if ((${#sock} + 20 > 100)); then
    # A Unix socket path is limited to ~107 bytes; duban connects over TCP anyway.
    duban_warn "socket folder path too long for a Unix socket; PostgreSQL will listen on TCP only"
    opts="-p $port -k '' -c listen_addresses=127.0.0.1"
  else
    opts="-p $port -k '$sock' -c listen_addresses=127.0.0.1"
  fi
  for o in "$@"; do
    opts+=" $o"
  done
  if ! duban_as_pg "$bin/pg_ctl" -D "$data" -l "$log" -o "$opts" -w -t 60 start >/dev/null; then
    duban_err "PostgreSQL failed to start on port $port (cluster $data)"
    duban_tail_log "$log" 40
    return 1
  fi
}

# duban_pg_stop DATADIR: fast shutdown via pg_ctl as postgres; falls back to the PID.
duban_pg_stop() {
  local data=$1 bin pid
  [[ -f "$data/PG_VERSION" ]] || return 0
  bin=$(duban_pg_bindir) || return 1
  duban_pg_running "$data" || return 0
  pid=$(duban_pg_pid "$data")
  if duban_as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1; then
    return 0
  fi
  duban_warn "pg_ctl stop failed for $data; stopping the postmaster by pid"
  if [[ -n "$pid" ]] && duban_pid_matches "$pid" postgres; then
    duban_stop_pid "$pid" 10
  else
    return 1
  fi
}

# _duban_as_superuser CMD...: CMD with the superuser's passfile.
_duban_as_superuser() {
  if [[ -n "$DUBAN_PG_SUPERUSER_PASSFILE" ]]; then
    PGPASSFILE=$DUBAN_PG_SUPERUSER_PASSFILE "$@"
  else
    "$@"
  fi
}

# duban_psql PORT DB [PSQL_ARGS...]: psql as the superuser on 127.0.0.1:PORT.
duban_psql() {
  local port=$1 db=$2 bin
  shift 2
  bin=$(duban_pg_bindir) || return 1
  _duban_as_superuser "$bin/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" \
    -U "$DUBAN_PG_SUPERUSER" -d "$db" "$@"
}

# duban_pg_roles DUBANCTL SETTINGS [--database]: duban's roles (and with
# --database, the database of the settings' pg.conninfo, owned by duban_owner),
# made by the superuser with `dubanctl roles`; the roles' passfiles go where
# the settings say (see duban_write_settings).
duban_pg_roles() {
  local ctl=$1 conf=$2
  shift 2
  "$ctl" --config "$conf" roles \
    --superuser "user=$DUBAN_PG_SUPERUSER passfile=$DUBAN_PG_SUPERUSER_PASSFILE" "$@"
}

# duban_pg_createdb PORT DB: create database DB, owned by duban_owner (the
# role duban's migrations run as; see duban_pg_roles), unless it exists
# (retries briefly).
duban_pg_createdb() {
  local port=$1 db=$2 bin i out
  if [[ ! "$db" =~ ^[A-Za-z0-9_]+$ ]]; then
    duban_err "invalid database name '$db'"
    return 1
  fi
  bin=$(duban_pg_bindir) || return 1
  for ((i = 0; i < 10; i++)); do
    out=$(duban_psql "$port" postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'" 2>&1) || out="error: $out"
    if [[ "$out" == 1 ]]; then
      return 0
    fi
    if [[ "$out" != error:* ]] && out=$(_duban_as_superuser "$bin/createdb" -h 127.0.0.1 -p "$port" \
      -U "$DUBAN_PG_SUPERUSER" -O duban_owner "$db" 2>&1); then
      return 0
    fi
    sleep 0.5
  done
  printf '%s\n' "$out" >&2
  duban_err "could not create database $db on port $port"
  return 1
}

# duban_pg_dropdb PORT DB: drop database DB (terminating its sessions) if it exists.
duban_pg_dropdb() {
  local port=$1 db=$2 bin
  bin=$(duban_pg_bindir) || return 1
  _duban_as_superuser "$bin/dropdb" --if-exists --force -h 127.0.0.1 -p "$port" -U "$DUBAN_PG_SUPERUSER" "$db"
}

# ---------------------------------------------------------------------------
# Redis

# duban_redis_start DIR PORT LOGFILE [PIDFILE]: start redis-server in the background
# (no persistence) and wait until it answers PING. Sets DUBAN_REDIS_PID.
DUBAN_REDIS_PID=""
duban_redis_start() {
  local dir=$1 port=$2 log=$3 pidfile=${4:-} i args
  mkdir -p "$dir" "$(dirname "$log")"
  args=(--port "$port" --bind 127.0.0.1 --daemonize no --save '' --appendonly no --dir "$dir")
  if [[ -n "$pidfile" ]]; then
    args+=(--pidfile "$pidfile")
  fi
  redis-server "${args[@]}" >>"$log" 2>&1 </dev/null &
  DUBAN_REDIS_PID=$!
  if [[ -n "$pidfile" ]]; then
    printf '%s\n' "$DUBAN_REDIS_PID" >"$pidfile"
  fi
  for ((i = 0; i < 200; i++)); do
    if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; then
      return 0
    fi
    if ! duban_pid_alive "$DUBAN_REDIS_PID"; then
      duban_err "redis-server exited during start-up (port $port)"
      duban_tail_log "$log" 40
      return 1
    fi
    sleep 0.1
  done
  duban_err "redis-server on port $port did not answer PING within 20s"
  duban_tail_log "$log" 40
  return 1
}

# ---------------------------------------------------------------------------
# Settings

# _duban_cfg_str S: S quoted as a libconfig string.
_duban_cfg_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# duban_pg_conninfo PGPORT DBNAME: the conninfo (setting pg.conninfo) of a
# database of the local cluster: where it is; who connects is each program's
# own WHO.pg_conninfo (see duban_write_settings).
duban_pg_conninfo() {
  printf 'host=127.0.0.1 port=%s dbname=%s connect_timeout=2\n' "$1" "$2"
}

# duban_write_settings FILE REPO PGPORT DBNAME REDISPORT PREFIX BASEPORT
# Writes the libconfig settings the services read (--config FILE / DUBAN_CONFIG).
# Ports used (a block of DUBAN_PORTS_PER_DEPLOYMENT): BASE (intake http), BASE+1
# (intake->triage), BASE+2 (triage health), BASE+3 (triage->dispatch), BASE+4 (dispatch
# health), BASE+5 (dispatch pub), BASE+6 (dispatch console), BASE+7 (watch health),
# BASE+8 (watch alerts pub), BASE+9 (watch console), BASE+10 (bulletin health),
# BASE+11 (bulletin pub), BASE+12 (web console http), BASE+13 (bulletin console),
# BASE+14 (intake /metrics), BASE+15 (web /metrics); the other services answer /metrics
# beside /healthz.
# Secrets (mode 0600) live in secrets/ next to FILE (setting secrets_dir): the
# passfile of each PostgreSQL role, named by the conninfo of whoever uses it:
# SVC.pg_conninfo for each service, ctl.pg_conninfo for dubanctl (duban_admin),
# setup.pg_conninfo for dubanctl setup (duban_owner); `dubanctl roles` makes them.
# Optional environment: DUBAN_LOG_LEVEL (info), DUBAN_OUTBOX_RESEND_MS (10000),
# DUBAN_OUTBOX_KEEP_S (259200: delivered outbox rows are kept three days).
duban_write_settings() {
  if (($# != 7)); then
    duban_err "usage: duban_write_settings FILE REPO PGPORT DBNAME REDISPORT PREFIX BASEPORT"
    return 1
  fi
  local file=$1 repo=$2 pgport=$3 db=$4 rport=$5 prefix=$6 b=$7 tmp secrets who
  local h=127.0.0.1
  local -A as=()
  mkdir -p "$(dirname "$file")"
  secrets=$(cd "$(dirname "$file")" && pwd)/secrets
  for who in intake triage dispatch watch bulletin web ctl setup; do
    case "$who" in
      ctl) as[$who]=duban_admin ;;
      setup) as[$who]=duban_owner ;;
      *) as[$who]=duban_$who ;;
    esac
    as[$who]=$(_duban_cfg_str "user=${as[$who]} passfile=$secrets/${as[$who]}.pgpass")
  done
  tmp="$file.tmp.$$"
  cat >"$tmp" <<EOF
# Written by duban's tools (tools/up, tools/test, tests/lib/harness.sh); edits are overwritten.
org_file = $(_duban_cfg_str "$repo/deploy/config/org.conf");
schema_dir = $(_duban_cfg_str "$repo/deploy/schema");
secrets_dir = $(_duban_cfg_str "$secrets");
pg = { conninfo = $(_duban_cfg_str "$(duban_pg_conninfo "$pgport" "$db")"); };
ctl = { pg_conninfo = ${as[ctl]}; };
setup = { pg_conninfo = ${as[setup]}; };
redis = { host = "$h"; port = $rport; prefix = $(_duban_cfg_str "$prefix"); };
log = { level = "${DUBAN_LOG_LEVEL:-info}"; };
outbox = { resend_after_ms = ${DUBAN_OUTBOX_RESEND_MS:-10000}; keep_s = ${DUBAN_OUTBOX_KEEP_S:-259200}; };
intake = { http = "$h:$b"; metrics = "$h:$((b + 14))"; out = "tcp://$h:$((b + 1))"; trusted_proxies = "$h"; photos_dir = $(_duban_cfg_str "$(dirname "$file")/photos");
         pg_conninfo = ${as[intake]}; };
triage = { health = "$h:$((b + 2))"; in = "tcp://$h:$((b + 1))"; out = "tcp://$h:$((b + 3))";
           pg_conninfo = ${as[triage]}; };
dispatch = { health = "$h:$((b + 4))"; in = "tcp://$h:$((b + 3))"; pub = "tcp://$h:$((b + 5))"; console = "tcp://$h:$((b + 6))";
             pg_conninfo = ${as[dispatch]}; };
watch = { health = "$h:$((b + 7))"; pub = "tcp://$h:$((b + 8))"; console = "tcp://$h:$((b + 9))";
          pg_conninfo = ${as[watch]}; };
bulletin = { health = "$h:$((b + 10))"; pub = "tcp://$h:$((b + 11))"; console = "tcp://$h:$((b + 13))"; out_dir = $(_duban_cfg_str "$(dirname "$file")/bulletins");
             pg_conninfo = ${as[bulletin]}; };
web = { http = "$h:$((b + 12))"; metrics = "$h:$((b + 15))"; assets_dir = $(_duban_cfg_str "$repo/deploy/web"); bureau_name = "${DUBAN_BUREAU_NAME:-某省质量技术监督局}";
        pg_conninfo = ${as[web]}; };
EOF
  mv -f "$tmp" "$file"
}
