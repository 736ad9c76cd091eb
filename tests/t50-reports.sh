#!/bin/sh
# t50-reports.sh -- the SQL reports of sql/reports/ on a database that
# `mailban scan` builds from a fixed log (tests/reports/mail.log: IPv4 and
# IPv6 attackers, two repeat offenders, two filters) at a fixed --now.
# Every report runs through the sqlite3 CLI as documented,
#     sqlite3 -header -column DB < sql/reports/NAME.sql
# with "now" pinned by a leading `.parameter set @now`, and through
# `mailban report NAME --now`; both must equal the hand-checked golden
# tests/reports/NAME.out.  Also: the network arithmetic of top-networks
# (tests/reports/networks.log), cells with tabs, line breaks and UTF-8
# (display.out), the listing, and the exit codes.
. tests/lib.sh

NOW=1795694400		# 2026-11-26T12:00:00Z
R=tests/reports
CONF=$T/mailban.conf DB=$T/reports.db
# maxretry 3 within 10m, bans of exactly 1h (no repeat increment)
sed -e "s|^database .*|database = $DB|" -e '/^bantime\.increment/d' \
    -e 's|^maxretry .*|maxretry = 3\nbantime.increment = false|' \
    -e 's|^findtime .*|findtime = 10m|' -e 's|^bantime .*|bantime = 1h|' \
    conf/mailban.conf > "$CONF"
chmod 600 "$CONF"
cli() {	# cli DB FILE: the documented admin line, now pinned
	{ printf '.parameter set @now %s\n' "$NOW"; cat "$2"; } | sqlite3 -header -column "$1"
}

ok_run "scan builds the report database" mb scan -c "$CONF" --db "$DB" --now $NOW "$R/mail.log"
ok_eq "25 failures and 6 bans recorded" "25|6" \
    "$(sqlite3 "$DB" 'SELECT (SELECT count(*) FROM failures), (SELECT count(*) FROM bans)')"

n=0
for f in sql/reports/*.sql; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	name=$(basename "$f" .sql)
	if [ ! -s "$R/$name.out" ]; then
		TN=$((TN + 1)); echo "not ok $TN - $name: no golden $R/$name.out"; continue
	fi
	cli "$DB" "$f" > "$T/$name.cli" 2>&1
	ok_file "sqlite3 -header -column < $f" "$R/$name.out" "$T/$name.cli"
	mb report "$name" --db "$DB" --now $NOW > "$T/$name.bin" 2>&1
	ok_file "mailban report $name" "$R/$name.out" "$T/$name.bin"
	# The plain line, as an admin types it (the wall clock is now).
	sqlite3 -header -column "$DB" < "$f" > /dev/null 2> "$T/$name.err"; rc=$?
	ok_eq "plain sqlite3 line runs $name cleanly" "0:" "$rc:$(cat "$T/$name.err")"
done
ok_eq "seven reports" 7 "$n"

# The listing: every report with the first line of its file.
want=$(for f in sql/reports/*.sql; do
	printf '%-20s %s\n' "$(basename "$f" .sql)" "$(head -n 1 "$f" | cut -c4-)"; done)
ok_eq "report without NAME lists the reports" "$want" "$(mb report 2>&1)"

# Networks: IPv6 /64 from every shape of canonical text; IPv4 /24.
NDB=$T/networks.db
ok_run "scan the networks log" mb scan -c "$CONF" --db "$NDB" --now $NOW "$R/networks.log"
ok_eq "every address of networks.log recorded, canonical" "192.0.2.1
192.0.2.9
198.51.100.255
2001:db8:0:0:1::
2001:db8:0:1::
2001:db8:0:1::5
2001:db8:1:0:5::
2001:db8:1:2:3:4:5:6
2001:db8::
2001:db8::1
2001:db8:a:b:c::f
2001:db8:a:b:c:d:e:f" "$(sqlite3 "$NDB" 'SELECT address FROM failures ORDER BY address')"
cli "$NDB" sql/reports/top-networks.sql > "$T/networks.cli" 2>&1
ok_file "top-networks folds IPv6 into canonical /64 (CLI)" "$R/networks.out" "$T/networks.cli"
mb report top-networks --db "$NDB" --now $NOW > "$T/networks.bin" 2>&1
ok_file "top-networks folds IPv6 into canonical /64 (binary)" "$R/networks.out" "$T/networks.bin"

# Cells as the sqlite3 shell shows them: tab stops, line breaks (LF, CR LF,
# other controls), UTF-8 counted in characters, an empty line between rows
# once one spans several lines.  Manual bans with odd reasons, edited in.
cp "$DB" "$T/display.db"
sqlite3 "$T/display.db" "INSERT INTO bans (address, jail, start, end, manual, reason) VALUES
    ('192.0.2.201', 'manual', $NOW - 60, NULL, 1, 'tab' || char(9) || 'stop'),
    ('192.0.2.202', 'manual', $NOW - 60, NULL, 1, 'two' || char(10) || 'lines'),
    ('192.0.2.203', 'manual', $NOW - 60, $NOW + 90061, 1, 'crlf' || char(13, 10) || 'end' || char(10)),
    ('192.0.2.204', 'manual', $NOW - 60, NULL, 1, 'caf' || char(233) || ' ' || char(19990, 30028)),
    ('192.0.2.205', 'manual', $NOW - 60, NULL, 1, 'ctl' || char(1) || 'x')"
cli "$T/display.db" sql/reports/active-bans.sql > "$T/display.cli" 2>&1
ok_file "odd reasons through the sqlite3 CLI" "$R/display.out" "$T/display.cli"
mb report active-bans --db "$T/display.db" --now $NOW > "$T/display.bin" 2>&1
ok_file "odd reasons through mailban report" "$R/display.out" "$T/display.bin"

# No row: no output at all, from either.
ok_eq "no active ban: the CLI prints nothing" "" \
    "$(printf '.parameter set @now 1000000000\n' | cat - sql/reports/active-bans.sql |
    sqlite3 -header -column "$DB" 2>&1)"
ok_eq "no active ban: mailban report prints nothing" "" \
    "$(mb report active-bans --db "$DB" --now 1000000000 2>&1)"

# Exit codes and messages.
ok_rc "unknown report: 64" 64 mb report top-spammers --db "$DB"
ok_eq "unknown report: message" \
    'mailban: report: unknown report "top-spammers" (`mailban report` lists them) (see mailban --help)' \
    "$(cat "$T/.out")"
ok_rc "two reports: 64" 64 mb report active-bans bans-per-day --db "$DB"
ok_eq "two reports: message" 'mailban: report: one report at a time (got "active-bans" and "bans-per-day") (see mailban --help)' "$(cat "$T/.out")"
ok_rc "bad --now: 64" 64 mb report active-bans --db "$DB" --now yesterday
ok_eq "bad --now: message" 'mailban: --now "yesterday": not a time (use epoch seconds or 2026-11-26T10:00:00Z) (see mailban --help)' "$(cat "$T/.out")"
ok_rc "missing database: 1" 1 mb report active-bans --db "$T/none.db"
ok_eq "missing database: message" \
    "mailban: $T/none.db: no database yet (the first mailban run creates it)" "$(cat "$T/.out")"
ok_rc "database from the config (-c): 0" 0 mb report bans-per-day -c "$CONF"
ok_file "database from the config (-c): output" "$R/bans-per-day.out" "$T/.out"
