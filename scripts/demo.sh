#!/bin/sh
# demo.sh BUILD -- real cron cycles of `mailban run` on the sample log
# tests/demo/mail.log, against a scratch database, applied to the real
# fail2ban-mail chains inside a throw-away network namespace (as root).
# Two cycles: the first half of the log, then the rest; then
# `mailban status` and the chains as iptables-save shows them.
set -eu
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
MB="$TOP/$BUILD/mailban"
if [ -z "${MAILBAN_IN_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "make demo needs root (it uses unshare -n and iptables)" >&2; exit 1; }
	MAILBAN_IN_NETNS=1 exec unshare -n sh "$0" "$@"
fi
export TZ=UTC
S=$(mktemp -d /tmp/mailban-demo.XXXXXX)
trap 'rm -rf "$S"' EXIT
SAMPLE="$TOP/tests/demo/mail.log"
sed -e "s|^logpath .*|logpath = $S/mail.log|" -e "s|^database .*|database = $S/mailban.db|" \
    "$TOP/conf/mailban.conf" > "$S/mailban.conf"
chmod 600 "$S/mailban.conf"
now_of() { awk 'END { print "2026-11-26T" $3 "Z" }' "$1"; }   # the sample is Nov 26, UTC

total=$(wc -l < "$SAMPLE")
half=$((total / 2))
head -n "$half" "$SAMPLE" > "$S/mail.log"
echo "== cron cycle 1: lines 1-$half of tests/demo/mail.log, --now $(now_of "$S/mail.log")"
"$MB" run -v -c "$S/mailban.conf" --now "$(now_of "$S/mail.log")"
tail -n +"$((half + 1))" "$SAMPLE" >> "$S/mail.log"
echo "== cron cycle 2: lines $((half + 1))-$total, --now $(now_of "$S/mail.log")"
"$MB" run -v -c "$S/mailban.conf" --now "$(now_of "$S/mail.log")"
echo "== cron cycle 3: nothing new (a clean run prints nothing without -v)"
"$MB" run -c "$S/mailban.conf" --now "$(now_of "$S/mail.log")"
echo
echo "== mailban status"
"$MB" status -c "$S/mailban.conf" --now "$(now_of "$S/mail.log")"
echo
echo "== iptables-save -t filter"
iptables-save -t filter | grep -v '^#'
echo "== ip6tables-save -t filter"
ip6tables-save -t filter | grep -v '^#'
echo
echo "== sqlite3 $S/mailban.db 'SELECT * FROM offenders'"
sqlite3 -header -column "$S/mailban.db" 'SELECT * FROM offenders'
