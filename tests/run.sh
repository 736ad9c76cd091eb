#!/bin/sh
# run.sh BUILD -- run every test; print TAP-style lines per case and close
# with "N passed, N failed".  Exit 1 on any failure, or if no test ran.
#   BUILD/tests/test_*   cmocka unit tests (CMOCKA_MESSAGE_OUTPUT=TAP)
#   tests/t[0-9]*.sh      shell tests using tests/lib.sh (integration tests
#                         run as root inside `unshare -n`)
set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export MAILBAN="$TOP/$BUILD/mailban" TOP BUILD
export CMOCKA_MESSAGE_OUTPUT=TAP
OUT=$(mktemp -d /tmp/mailban-tests.XXXXXX)
trap 'rm -rf "$OUT"' EXIT INT TERM
pass=0 fail=0 skip=0

count() {	# count ok/not ok lines of $1, echo failing ones
	# cmocka prints a skipped case as "not ok N # SKIP"; count it apart
	s=$(grep -Ec '^(not )?ok .*# SKIP' "$1")
	p=$(grep '^ok ' "$1" | grep -vc '# SKIP')
	f=$(grep '^not ok ' "$1" | grep -vc '# SKIP')
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	echo "$2: $p passed, $f failed, $s skipped" | sed 's/, 0 skipped//'
	if [ "$f" -gt 0 ] || [ "$3" != 0 ]; then
		grep -v '^ok ' "$1" | grep -v '# SKIP' | sed 's/^/    /' | head -60
	fi
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $2 exited $3 without a failing case"; fail=$((fail + 1))
	fi
}

for t in "$TOP/$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	"$t" > "$OUT/$n.out" 2>&1; rc=$?
	count "$OUT/$n.out" "$n" $rc
done
for t in "$TOP"/tests/t[0-9]*.sh; do
	[ -e "$t" ] || continue
	n=$(basename "$t" .sh)
	(cd "$TOP" && sh "$t") > "$OUT/$n.out" 2>&1; rc=$?
	count "$OUT/$n.out" "$n" $rc
done
total=$((pass + fail))
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$total" -gt 0 ] || { echo "no test ran" >&2; exit 1; }
[ "$fail" = 0 ]
