#!/bin/sh
# t40-filter-corpus.sh -- mailban's own sample lines for every shipped
# pattern: tests/filter/NAME.log through `mailban test --format tsv` must
# give exactly NAME.tsv (one row per failure: line, time, address, filter,
# the pattern's key, e.g. failregex.extra.1).  NAME.args, if present, holds
# extra options (e.g. --filter sendmail-reject:aggressive).  A case without .tsv fails; no case
# at all fails.
. tests/lib.sh
cases=0
for log in tests/filter/*.log; do
	[ -e "$log" ] || continue
	cases=$((cases + 1))
	name=${log%.log}
	if [ ! -e "$name.tsv" ]; then
		TN=$((TN + 1)); echo "not ok $TN - $log has no $name.tsv"; continue
	fi
	args=""
	[ -e "$name.args" ] && args=$(cat "$name.args")
	# shellcheck disable=SC2086
	TZ=UTC "$MAILBAN" test -c conf/mailban.conf --now 2026-11-26T12:00:00Z --format tsv $args "$log" \
	    > "$T/out" 2> "$T/err"
	cat "$T/err" >> "$T/out"
	ok_file "corpus $(basename "$name")" "$name.tsv" "$T/out"
done
[ "$cases" -gt 0 ] || { echo "not ok 1 - no corpus in tests/filter"; exit 1; }
