# lib.sh -- sourced by tests/t*.sh.  Every check prints one TAP line.
#   ok_eq NAME EXPECTED ACTUAL    exact string comparison (diff on failure)
#   ok_file NAME EXPECTED_FILE ACTUAL_FILE
#   ok_run NAME CMD...            command must exit 0
#   ok_rc NAME RC CMD...          command must exit RC
# Helpers: need_root_netns (re-exec inside `unshare -n` as root),
#   scratch (a fresh directory in $T), mb (the binary, quiet env),
#   relaying N TIME ADDR (one "Relaying denied" line),
#   syslog CMD (CMD with /dev/log caught, below).
set -u
: "${MAILBAN:?run through tests/run.sh}"
TN=0
T=$(mktemp -d /tmp/mailban-t.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
export TZ=UTC LC_ALL=C

ok_eq() {
	TN=$((TN + 1))
	if [ "$2" = "$3" ]; then echo "ok $TN - $1"; else
		echo "not ok $TN - $1"
		printf '%s\n' "$2" > "$T/.exp"; printf '%s\n' "$3" > "$T/.act"
		diff -u "$T/.exp" "$T/.act" | sed 's/^/#   /'
	fi
}
ok_file() {
	TN=$((TN + 1))
	if diff -u "$2" "$3" > "$T/.diff" 2>&1; then echo "ok $TN - $1"; else
		echo "not ok $TN - $1"; sed 's/^/#   /' "$T/.diff"; fi
}
ok_run() {
	n=$1; shift; TN=$((TN + 1))
	if "$@" > "$T/.out" 2>&1; then echo "ok $TN - $n"; else
		echo "not ok $TN - $n (exit $?)"; sed 's/^/#   /' "$T/.out" | head -30; fi
}
ok_rc() {
	n=$1 want=$2; shift 2; TN=$((TN + 1))
	"$@" > "$T/.out" 2>&1; rc=$?
	if [ "$rc" = "$want" ]; then echo "ok $TN - $n"; else
		echo "not ok $TN - $n (exit $rc, want $want)"; sed 's/^/#   /' "$T/.out" | head -30; fi
}
# Re-run the calling test inside a private network namespace (root only).
need_root_netns() {
	if [ -z "${MAILBAN_IN_NETNS:-}" ]; then
		if [ "$(id -u)" != 0 ]; then
			echo "not ok 1 - $0 needs root for unshare -n (run make check as root)"; exit 1
		fi
		rm -rf "$T"
		MAILBAN_IN_NETNS=1 exec unshare -n sh "$0" "$@"
	fi
}
mb() { "$MAILBAN" "$@"; }
# relaying N TIME ADDR: sendmail's "Relaying denied" line of failure N (its
# pid and queue id made from N) at TIME on Nov 26, from ADDR
relaying() {
	printf 'Nov 26 %s mx sm-mta[%d]: 5AQA%04dq0%05d: ruleset=check_rcpt, arg1=<u%d@example.org>, relay=[%s], reject=550 5.7.1 <u%d@example.org>... Relaying denied. Proper authentication required.\n' \
	    "$2" $((1000 + $1)) "$1" "$1" "$1" "$3" "$1"
}
# syslog CMD...: run CMD (its stdout and stderr go to $T/cmd.out, its
# status to $T/cmd.rc) in a private mount namespace with /dev/log bound to
# a datagram socket; the messages it sent are printed without their time
# stamp and pid.  Needs root and python3.
syslog() {
	[ -e "$T/listen.py" ] || cat > "$T/listen.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
out = open(sys.argv[2], "w")
open(sys.argv[1] + ".ready", "w").close()
while True:
    d = s.recv(65536).decode("utf-8", "replace")
    if d == "END":
        break
    out.write(d.rstrip("\n") + "\n")
    out.flush()
EOF
	rm -f "$T/log.sock" "$T/log.sock.ready" "$T/syslog.out"
	mkdir -p "$T/olddev"
	python3 "$T/listen.py" "$T/log.sock" "$T/syslog.out" &
	lpid=$!
	while [ ! -e "$T/log.sock.ready" ]; do sleep 0.05; done
	unshare -m sh -c '
	    T=$1; shift
	    mount --bind /dev "$T/olddev" && mount -t tmpfs -o mode=755 tmpfs /dev &&
	    for f in null zero random urandom full; do
		: > /dev/$f && mount --bind "$T/olddev/$f" /dev/$f || exit 99
	    done &&
	    : > /dev/log && mount --bind "$T/log.sock" /dev/log || exit 99
	    "$@" > "$T/cmd.out" 2>&1; echo $? > "$T/cmd.rc"' sh "$T" "$@"
	python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"END", sys.argv[1])' "$T/log.sock"
	wait "$lpid"
	sed -E 's/^(<[0-9]+>)[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} mailban\[[0-9]+\]: /\1/' "$T/syslog.out"
}
