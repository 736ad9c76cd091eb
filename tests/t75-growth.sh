#!/bin/sh
# t75-growth.sh -- the database stays bounded: a simulated year of daily
# cron runs (RFC 3339 lines, 200 failures a day from 50 addresses, no ban)
# with dbpurgeage = 30d keeps exactly the last 30 days of failures, and the
# file does not grow after the first two months (auto_vacuum gives freed
# pages back).  Real iptables in `unshare -n`, the sqlite3 CLI.
. tests/lib.sh
need_root_netns "$@"
D=$T/state; mkdir -p "$D"
LOG=$T/mail.log; DB=$D/mailban.db
sed -e "s|^logpath .*|logpath = $LOG|" -e "s|^database .*|database = $DB|" \
    -e 's|^dbpurgeage .*|dbpurgeage = 30d|' conf/mailban.conf > "$T/mailban.conf"
chmod 600 "$T/mailban.conf"
: > "$LOG"
T0=1767225600	# 2026-01-01T00:00:00Z
day=0
while [ $day -lt 365 ]; do
	awk -v t0=$((T0 + day * 86400)) 'BEGIN {
		for (i = 0; i < 200; i++) {
			t = t0 + i * 10
			printf "%s+00:00 mx sm-mta[%d]: 5AQA%09dx: ruleset=check_rcpt, arg1=<u@example.org>, relay=[198.51.100.%d], reject=550 5.7.1 <u@example.org>... Relaying denied. Proper authentication required.\n", strftime("%Y-%m-%dT%H:%M:%S", t, 1), 1000 + i, i, i % 50 + 1
		}
	}' >> "$LOG"
	"$MAILBAN" run -c "$T/mailban.conf" --now $((T0 + day * 86400 + 3600)) || echo "run $day failed"
	[ $day = 59 ] && pages60=$(sqlite3 "$DB" 'PRAGMA page_count')
	day=$((day + 1))
done
pages=$(sqlite3 "$DB" 'PRAGMA page_count')
ok_eq "a year of runs: exactly the last 30 days kept" "6000|1796169600|1798677190" \
    "$(sqlite3 "$DB" 'select count(*), min(time), max(time) from failures')"
ok_eq "every run recorded" "365|73000" "$(sqlite3 "$DB" 'select count(*), sum(failures) from runs')"
ok_eq "file size bounded: day 365 not above day 60 (+10%)" "1" \
    "$(echo "$pages <= $pages60 * 11 / 10" | bc 2>/dev/null || awk -v a=$pages -v b=$pages60 'BEGIN { print (a <= b * 1.1) }')"
echo "# pages: day 60 $pages60, day 365 $pages"
