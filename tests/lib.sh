# lib.sh -- sourced by tests/t*.sh.  Every check prints one TAP line.
#   ok_eq NAME EXPECTED ACTUAL    exact string comparison (diff on failure)
#   ok_file NAME EXPECTED_FILE ACTUAL_FILE
#   ok_run NAME CMD...            command must exit 0
#   ok_rc NAME RC CMD...          command must exit RC
# Helpers: need_root_netns (re-exec inside `unshare -n` as root),
#   scratch (a fresh directory in $T), mb (the binary, quiet env).
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
