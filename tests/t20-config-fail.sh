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

# libpq is not linked: it and the twenty libraries it pulls in cost every
# run ~7 ms of CPU at start; it is loaded (dlopen) only for a fleet key.
ok_eq "the binary does not link libpq" "" \
    "$(readelf -d "$MAILBAN" | sed -n 's/.*(NEEDED).*\[\(libpq[^]]*\)\]/\1/p')"
# A fleet key on a host without libpq5: one line naming the key and the
# package, exit 78, before anything is touched.  libpq is hidden by
# mounting /dev/null over it in a private mount namespace.
sed 's/^\[DEFAULT\]$/[DEFAULT]\nfleet = dbname=mailban/' conf/mailban.conf > "$W/conf/fleet.conf" &&
    chmod 644 "$W/conf/fleet.conf"
check fleet-libpq-present conf/fleet.conf 0
ok_eq "fleet, libpq present: stderr" "" "$(cat "$T/fleet-libpq-present.err")"
PQLIB=$(ldconfig -p | sed -n 's/^[[:space:]]*libpq\.so\.5 (libc6,x86-64) => //p' | head -n 1)
ok_rc "fleet, libpq hidden: exit 78" 78 unshare -m sh -c \
    'mount --bind /dev/null "$1" && cd "$2" && exec "$3" config --check -c conf/fleet.conf' \
    sh "$PQLIB" "$W" "$MAILBAN"
ok_eq "fleet, libpq hidden: one line naming the key and the package" \
    "mailban: conf/fleet.conf:$(grep -n '^fleet = ' "$W/conf/fleet.conf" | cut -d: -f1): [DEFAULT] fleet: needs libpq.so.5, which cannot be loaded ($PQLIB: file too short): install libpq5" \
    "$(cat "$T/.out")"
