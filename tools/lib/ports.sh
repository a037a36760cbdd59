# shellcheck shell=bash
# tools/lib/ports.sh: free TCP ports on 127.0.0.1, reserved for the life of the
# shell that asked. Sourced by tools/lib/common.sh.
#
# Several runs of tools/test (each with its own TMPDIR), their tests and
# tools/up pick ports on one machine at the same time; a port that one run has
# chosen but not yet bound looks free to all the others. So a port is reserved
# by an exclusive flock(2) on the file named after it in one folder for the
# whole machine (duban_port_lock_dir), taken by the shell that reserves and
# held through an open descriptor. Processes that shell starts inherit the
# descriptor, so the reservation lasts as long as the run: the kernel drops the
# lock when the shell and everything it started have exited, by kill -9 too,
# and nothing has to be cleaned up. The lock files stay: deleting one that is
# held would let the next run lock a new file of the same name.

# duban_port_lock_dir: the folder of the port locks, the same for every run on
# the machine whatever its TMPDIR (DUBAN_PORT_LOCK_DIR overrides it).
duban_port_lock_dir() {
  printf '%s\n' "${DUBAN_PORT_LOCK_DIR:-/tmp/duban-ports}"
}

# duban_port_in_use PORT: true if something accepts connections on 127.0.0.1:PORT.
duban_port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_duban_random() {
  local r=""
  r=$(od -An -N4 -tu4 /dev/urandom 2>/dev/null | tr -d ' \n') || true
  if [[ ! "$r" =~ ^[0-9]+$ ]]; then
    r=$((RANDOM * 32768 + RANDOM))
  fi
  printf '%s\n' "$r"
}

# _duban_port_range: "LOW HIGH", the ports reservations choose from (both
# included): DUBAN_PORT_RANGE=LOW-HIGH, or from 10000 to below the kernel's
# ephemeral range (ip_local_port_range), where an outgoing connection could
# take a port between the choice and the bind.
_duban_port_range() {
  local low=10000 high=31999 eph
  if [[ -n "${DUBAN_PORT_RANGE:-}" ]]; then
    if [[ ! "$DUBAN_PORT_RANGE" =~ ^([0-9]+)-([0-9]+)$ ]] ||
      ((BASH_REMATCH[1] < 1024 || BASH_REMATCH[2] > 65535 || BASH_REMATCH[1] > BASH_REMATCH[2])); then
      duban_err "DUBAN_PORT_RANGE='$DUBAN_PORT_RANGE' is not LOW-HIGH within 1024-65535"
      return 1
    fi
    printf '%s %s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    return 0
  fi
  if read -r eph _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null && ((eph > low + 1000)); then
    high=$((eph - 1))
  fi
  printf '%s %s\n' "$low" "$high"
}

# _duban_release_fds FD...: close descriptors of port locks (which frees them).
_duban_release_fds() {
  local _fd
  for _fd in "$@"; do
    exec {_fd}<&-
  done
}

# duban_hold_ports BASE N: reserve the ports BASE..BASE+N-1 for the life of
# this shell. Returns 0 with all of them held; 1, holding none, if one is
# reserved by another run or in use; 2 (with a message) if it cannot be asked.
# Must run in the shell that uses the ports, never in $(...) or a pipeline,
# whose subshell would free them as it ends.
duban_hold_ports() {
  local _base=$1 _n=$2 _dir _p _f _fd _fds=()
  if [[ "$BASHPID" != "$$" ]]; then
    duban_err "port reservation asked in a subshell, which would free the ports as it ends (call duban_reserve_ports or duban_hold_ports directly, not in \$(...))"
    return 2
  fi
  _dir=$(duban_port_lock_dir)
  if [[ ! -d "$_dir" ]]; then
    # (any user may add a lock to it; one that cannot is told so below)
    { mkdir -p "$(dirname "$_dir")" && mkdir -m 1777 "$_dir"; } 2>/dev/null || true
  fi
  for ((_p = _base; _p < _base + _n; _p++)); do
    _f=$_dir/$_p
    # (made readable by all: a run of another user locks it through a read-only descriptor)
    [[ -e "$_f" ]] || (umask 022 && : >>"$_f") 2>/dev/null || true
    if ! { exec {_fd}<"$_f"; } 2>/dev/null; then
      duban_err "cannot open the port lock $_f (the folder $_dir must be writable by every user who runs duban's tests)"
      _duban_release_fds "${_fds[@]}"
      return 2
    fi
    _fds+=("$_fd")
    if ! flock -n "$_fd" || duban_port_in_use "$_p"; then
      _duban_release_fds "${_fds[@]}"
      return 1
    fi
  done
  return 0 # (the descriptors stay open: nothing closes them before the shell ends)
}

# duban_reserve_ports N VAR: find N consecutive ports that no run reserves and
# nothing uses, reserve them for the life of this shell (duban_hold_ports) and
# set the variable VAR to the first. Must run in the shell that uses them, as
# `duban_reserve_ports 3 base || fail ...`, never as `base=$(...)`.
duban_reserve_ports() {
  local _n=${1:-} _var=${2:-} _low _high _count _start _i _base _st
  if [[ ! "$_n" =~ ^[1-9][0-9]*$ || ! "$_var" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    duban_err "usage: duban_reserve_ports N VARIABLE"
    return 1
  fi
  read -r _low _high <<<"$(_duban_port_range)" || return 1
  _count=$((_high - _low - _n + 2))
  if ((_count < 1)); then
    duban_err "cannot reserve $_n ports in $_low-$_high"
    return 1
  fi
  # From a random place (runs seldom meet), then each next block in turn, so
  # that a block is found whenever one is free.
  _start=$(($(_duban_random) % _count))
  for ((_i = 0; _i < _count; _i++)); do
    _base=$((_low + (_start + _i) % _count))
    _st=0
    duban_hold_ports "$_base" "$_n" || _st=$?
    case $_st in
      0)
        printf -v "$_var" '%s' "$_base"
        return 0
        ;;
      2) return 1 ;;
    esac
  done
  duban_err "no $_n consecutive free ports in $_low-$_high"
  return 1
}
