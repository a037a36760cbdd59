# A server install: `cmake --install` lays out the binaries, the default
# configuration, the migrations and the systemd units; systemd-analyze finds
# nothing wrong in the units; and the installed binaries, with the installed
# configuration, take a case through to its division.
export DUBAN_LOG_LEVEL=warn
source "$(dirname "$0")/../lib/harness.sh"
harness_init systemd_units

prefix=$H_DIR/prefix
cmake --install "$DUBAN_BIN_DIR/.." --prefix "$prefix" > "$H_DIR/install.log" ||
  fail "cmake --install failed (see $H_DIR/install.log)"
for f in bin/duban-intake bin/duban-triage bin/duban-dispatch bin/duban-watch bin/duban-bulletin bin/duban-web \
  share/duban/web/pages/home.html \
  bin/dubanctl share/duban/config/org.conf share/duban/config/sla.conf share/duban/config/calendar/2017.conf \
  share/duban/schema/001_core.sql lib/systemd/system/duban@.service lib/systemd/system/duban.target \
  share/duban/systemd/duban.conf.example share/duban/systemd/README.md; do
  [[ -e "$prefix/$f" ]] || fail "the install lacks $f"
done

# --- The units, one instance per service, as systemd would load them.
units=$H_DIR/units
mkdir -p "$units"
for svc in intake triage dispatch watch bulletin web; do
  sed "s|/usr/local/bin/duban-%i|$prefix/bin/duban-$svc|" "$prefix/lib/systemd/system/duban@.service" \
    > "$units/duban@$svc.service"
done
cp "$prefix/lib/systemd/system/duban.target" "$units/"
out=$(cd "$units" && systemd-analyze verify ./duban@*.service ./duban.target 2>&1) ||
  fail "systemd-analyze verify failed: $out"
assert_eq "" "$out" "systemd-analyze has nothing to say about the units"
# (and it does speak up about a broken unit)
sed 's/^Restart=always/Restart=sometimes/' "$units/duban@intake.service" > "$units/broken.service"
assert_contains "$(cd "$units" && systemd-analyze verify ./broken.service 2>&1)" "restart specifier" \
  "systemd-analyze reports a broken unit"

# --- The example configuration: every program connects as its own role, with
# a passfile in the secrets folder, which the unit lets each instance see alone.
example=$prefix/share/duban/systemd/duban.conf.example
for who in intake triage dispatch watch bulletin ctl setup; do
  case "$who" in ctl) role=duban_admin ;; setup) role=duban_owner ;; *) role=duban_$who ;; esac
  grep -Eq "^ *($who = \{.*)?pg_conninfo = \"user=$role passfile=/etc/duban/secrets/$role.pgpass\"" "$example" ||
    fail "the example configuration gives $who no role and passfile"
done
assert_not_contains "$(cat "$example")" "password=" "no password in the example configuration"
st=0
"$prefix/bin/dubanctl" --config "$example" roles > "$H_DIR/example.out" 2>&1 || st=$?
assert_eq 2 "$st" "the example configuration reads (then roles wants its arguments): $(cat "$H_DIR/example.out")"
assert_contains "$(cat "$prefix/lib/systemd/system/duban@.service")" \
  "BindReadOnlyPaths=/etc/duban/secrets/duban_%i.pgpass" "an instance sees its own passfile"
assert_contains "$(cat "$prefix/lib/systemd/system/duban@.service")" \
  "BindReadOnlyPaths=/etc/duban/secrets/bus_%i.key" "an instance sees its own bus key"
# across hosts, every address is a private one: nothing binds a wildcard address
assert_not_contains "$(grep -v '^ *#' "$example")" "0.0.0.0" "the example binds no wildcard address"
assert_contains "$(cat "$example")" "target_session_attrs=read-write" "the example follows a PostgreSQL failover"

# --- The installed programs with the installed configuration files.
sed -i -e "s|^org_file = .*|org_file = \"$prefix/share/duban/config/org.conf\";|" \
  -e "s|^schema_dir = .*|schema_dir = \"$prefix/share/duban/schema\";|" "$H_CONF"
"$prefix/bin/dubanctl" --config "$H_CONF" setup > "$H_DIR/setup-installed.log" 2>&1 ||
  fail "the installed dubanctl setup failed (see $H_DIR/setup-installed.log)"
DUBAN_BIN_DIR=$prefix/bin
harness_start
n=$("$prefix/bin/dubanctl" --config "$H_CONF" submit --channel hotline --kind complaint --operator op001 \
  --subject '锅炉' --description '锅炉压力异常' --category special-equipment)
dispatched() { [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$n'")" == dispatched ]]; }
wait_until 15 dispatched
assert_contains "$("$prefix/bin/dubanctl" --config "$H_CONF" console --division special-equipment --once)" "$n" \
  "the installed programs take a case to its division"
echo "PASS systemd_units"
