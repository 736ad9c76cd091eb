#!/bin/sh
# t20-config-fail.sh -- `mailban config --check` on broken configurations,
# like pfctl's pfail*.ok: every tests/fail/NAME.conf must exit 78 (EX_CONFIG),
# print nothing on stdout and exactly tests/fail/NAME.expected on stderr.
# A .conf without .expected (or the reverse) fails, and so does finding no
# case at all.  The shipped conf/mailban.conf must pass with exactly
# "configuration OK".  A tests/fail/NAME.local beside NAME.conf is copied
# with it: config_load reads it after NAME.conf (local overrides).
# The files are checked from a copy with mode 0644 under the same relative
# names: the messages name the file as given, and as root mailban refuses a
# config that is group-writable or not owned by root, whatever the checkout.
. tests/lib.sh

W=$T/w
mkdir -p "$W/tests/fail" "$W/conf"

# check NAME FILE: run the check from $W; stderr in $T/NAME.err, exit code
# checked by ok_rc, stdout left in $T/.out.  (ok_rc sets $n: the loop
# counter is $ncase.)
check() {
	ok_rc "$1: exit $3" "$3" sh -c 'cd "$1" && exec "$2" config --check -c "$3" 2> "$4"' \
	    sh "$W" "$MAILBAN" "$2" "$T/$1.err"
}

ncase=0
for c in tests/fail/*.conf; do
	[ -e "$c" ] || continue
	name=$(basename "$c" .conf)
	ncase=$((ncase + 1))
	if [ ! -f "tests/fail/$name.expected" ]; then
		TN=$((TN + 1))
		echo "not ok $TN - $name: tests/fail/$name.expected is missing"
		continue
	fi
	cp "$c" "$W/tests/fail/$name.conf" && chmod 644 "$W/tests/fail/$name.conf"
	if [ -f "tests/fail/$name.local" ]; then
		cp "tests/fail/$name.local" "$W/tests/fail/$name.local" &&
		    chmod 644 "$W/tests/fail/$name.local"
	fi
	check "$name" "tests/fail/$name.conf" 78
	ok_eq "$name: nothing on stdout" "" "$(cat "$T/.out")"
	ok_file "$name: stderr" "tests/fail/$name.expected" "$T/$name.err"
done
for e in tests/fail/*.expected; do
	[ -e "$e" ] || continue
	name=$(basename "$e" .expected)
	if [ ! -f "tests/fail/$name.conf" ]; then
		TN=$((TN + 1))
		echo "not ok $TN - $name: tests/fail/$name.conf is missing"
	fi
done
for l in tests/fail/*.local; do
	[ -e "$l" ] || continue
	name=$(basename "$l" .local)
	if [ ! -f "tests/fail/$name.conf" ]; then
		TN=$((TN + 1))
		echo "not ok $TN - $name: tests/fail/$name.local has no $name.conf"
	fi
done
if [ "$ncase" = 0 ]; then
	TN=$((TN + 1))
	echo "not ok $TN - no case in tests/fail"
fi

cp conf/mailban.conf "$W/conf/mailban.conf" && chmod 644 "$W/conf/mailban.conf"
check shipped conf/mailban.conf 0
ok_eq "shipped: stdout" "configuration OK" "$(cat "$T/.out")"
ok_eq "shipped: stderr" "" "$(cat "$T/shipped.err")"
