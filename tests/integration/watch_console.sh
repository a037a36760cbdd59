# Bad input on the inspection office's console endpoint (watch.console):
# malformed frames and protobufs, an unknown request type, a missing or
# unknown token, a staff member of another role, and acks that cannot be
# applied are each answered with the reason; nothing stored changes, and the
# endpoint keeps serving.
# The broken peer below speaks ZMTP with NULL security, so this test runs the
# bus without CURVE (bus.curve = 0); bus_curve.sh shows such a peer refused.
export DUBAN_BUS_CURVE=0
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init watch_console
harness_start

# A minimal ZeroMQ (ZMTP 3.0, NULL security) DEALER in Perl, which every
# Debian has: sends one message whose frames are given as arguments
# ("hex:..." for raw bytes) and prints the reply's frames, one per line,
# with non-printable bytes shown as dots.
cat > "$H_DIR/zmtp_dealer.pl" <<'PERL'
use strict;
use warnings;
use IO::Socket::INET;
my ($endpoint, @frames) = @ARGV;
my ($host, $port) = $endpoint =~ m{^tcp://([^:]+):(\d+)$} or die "endpoint tcp://host:port\n";
my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp') or die "connect: $!\n";
binmode $s;
$SIG{ALRM} = sub { die "timeout\n" };
alarm 10;
sub get { my $n = shift; my $buf = ''; while (length($buf) < $n) { my $r = sysread($s, $buf, $n - length($buf), length($buf)); die "closed\n" unless $r; } return $buf; }
sub put_frame { my ($flags, $data) = @_; my $len = length $data;
  if ($len > 255) { syswrite($s, pack('C', $flags | 2) . pack('Q>', $len) . $data); }
  else { syswrite($s, pack('CC', $flags, $len) . $data); } }
sub get_frame { my $flags = unpack('C', get(1)); my $len = ($flags & 2) ? unpack('Q>', get(8)) : unpack('C', get(1));
  return ($flags, $len ? get($len) : ''); }
syswrite($s, "\xFF" . ("\x00" x 8) . "\x7F" . "\x03\x00" . "NULL" . ("\x00" x 16) . "\x00" . ("\x00" x 31));
get(64);
put_frame(4, "\x05READY" . "\x0BSocket-Type" . pack('N', 6) . "DEALER");
my ($f) = get_frame(); # the peer's READY
for my $i (0 .. $#frames) {
  my $d = $frames[$i];
  $d = pack('H*', substr($d, 4)) if $d =~ /^hex:/;
  put_frame($i < $#frames ? 1 : 0, $d);
}
while (1) {
  my ($flags, $data) = get_frame();
  next if $flags & 4;
  $data =~ s/[^\x20-\x7E\x80-\xFF]/./g;
  print "$data\n";
  last unless $flags & 1;
}
PERL
zmtp() { perl "$H_DIR/zmtp_dealer.pl" "$H_WATCH_CONSOLE" "$@"; }
stored() { psql_q "SELECT (SELECT count(*) FROM alerts) || '/' || (SELECT count(*) FROM accountability_decisions) || '/' || (SELECT count(*) FROM outbox WHERE producer = 'watch')"; }
refused() { # WANT CMD...: the command fails and says WANT
  local want=$1 out rc=0
  shift
  out=$("$@" 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || fail "'$*' was not refused: $out"
  assert_contains "$out" "$want" "refusal of '$*'"
}

# An alert to acknowledge, and a warning that cannot be.
number=$(harness_ctl submit --channel hotline --kind complaint --operator op001 --subject '电子秤' --description '缺斤短两' --category metrology)
breached() { [[ -n "$(psql_q "SELECT id FROM alerts WHERE kind = 'breach'")" ]]; }
wait_until 15 breached
breach=$(psql_q "SELECT id FROM alerts WHERE kind = 'breach'")
warning=$(psql_q "SELECT id FROM alerts WHERE kind = 'warning' ORDER BY id LIMIT 1")
# Replied (late): nothing more is raised while the counts are compared.
harness_ctl reply "$number" --as h-metrology --result '已检定' > /dev/null
sleep 1
before=$(stored)

# --- Malformed at the frame and protobuf level.
assert_contains "$(zmtp only-one-frame)" "malformed request: send a type frame (alerts or ack)" "one frame"
assert_contains "$(zmtp bogus hex:0a0b)" "malformed request" "unknown type"
assert_contains "$(zmtp alerts hex:ffffffff)" "malformed alerts request" "broken AlertsHello"
assert_contains "$(zmtp ack hex:ffffffff)" "malformed ack" "broken AlertAck"
assert_contains "$(zmtp ack)" "malformed request" "ack without a body"
big=$(head -c 70000 /dev/zero | tr '\0' 'x')
assert_contains "$(zmtp alerts "$big")" "malformed request" "oversize request"

# --- Authentication and role.
refused "authentication required" harness_ctl alerts --token dbn_not_a_token
refused "authentication required" harness_ctl ack "$breach" --decision x --token dbn_not_a_token
refused "forbidden: alerts are for the inspection office" harness_ctl alerts --as h-metrology
refused "forbidden: alerts are for the inspection office" harness_ctl ack "$breach" --decision x --as op001

# --- Acks that cannot be applied.
refused "no alert has the id 999999" harness_ctl ack 999999 --decision x
refused "is a warning to the division" harness_ctl ack "$warning" --decision x
refused "a decision is required" harness_ctl ack "$breach" --decision ''
refused "ack needs the id of an alert" harness_ctl ack not-a-number --decision x
assert_eq "$before" "$(stored)" "nothing stored changed"
[[ "$(curl -fsS "$H_WATCH_HEALTH_URL" | jq -r .rejected)" -ge 6 ]] || fail "rejected requests are counted"

# --- Still serving: an administrator may look and acknowledge.
assert_contains "$(harness_ctl alerts --as admin)" "#$breach " "admin sees the breach"
assert_contains "$(harness_ctl ack "$breach" --as admin --decision '已督办')" "acknowledged" "admin acknowledges"
refused "already acknowledged by admin" harness_ctl ack "$breach" --decision again
echo "PASS watch_console"
