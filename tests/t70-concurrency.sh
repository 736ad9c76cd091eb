#!/bin/sh
# t70-concurrency.sh -- one run at a time, and reports never block a run.
#   - a run while another holds the lock (held with flock(1), so the order
#     is certain) exits 0 at once, prints nothing and touches nothing
#   - two runs started together: every failure recorded exactly once
#   - a report holding a read transaction open (sqlite3 CLI, BEGIN; SELECT)
#     neither blocks nor fails the cron run (WAL), and keeps its snapshot
. tests/lib.sh
need_root_netns "$@"
. tests/torture/lib70.sh
conf70

snap() { q 'select count(*) from failures; select count(*) from runs; select * from positions'; }
A=192.0.2.21 B=192.0.2.22

{ fail 10:00:01 $A; fail 10:00:02 $A; } > "$LOG"
ok_eq "first run" "" "$(run70 2026-11-26T10:05:00Z 2>&1)"
fail 10:00:03 $A >> "$LOG"
before=$(snap)
dbsum=$(cat "$DB" "$DB-wal" 2>/dev/null | md5sum)

# 1. the lock is held: the run leaves at once, quietly, with status 0
ok_eq "locked run: exit 0, no output" "0:" \
    "$(timeout 60 flock "$DB.lock" "$MAILBAN" run -c "$CONF" --now 2026-11-26T10:06:00Z 2>&1; echo "$?:")"
ok_eq "locked run: database untouched" "$before" "$(snap)"
ok_eq "locked run: database file bytes untouched" "$dbsum" "$(cat "$DB" "$DB-wal" 2>/dev/null | md5sum)"
ok_eq "locked run: firewall untouched" "$JUMP" "$(chain4)"
# the held lock also stops a run whose reading would ban
fail 10:00:04 $A >> "$LOG"
ok_eq "locked run with a ban due: exit 0" "0:" \
    "$(timeout 60 flock "$DB.lock" "$MAILBAN" run -c "$CONF" --now 2026-11-26T10:06:00Z 2>&1; echo "$?:")"
ok_eq "locked run: no ban applied" "$JUMP" "$(chain4)"
ok_eq "lock released: the next run works" "" "$(run70 2026-11-26T10:07:00Z 2>&1)"
ok_eq "lock released: failures once each" "192.0.2.21|4" \
    "$(q 'select address, count(*) from failures group by address')"
ok_eq "lock released: ban applied" "$JUMP
-A fail2ban-mail -s $A/32 $R4" "$(chain4)"

# 2. two runs started together on 2000 new lines: each failure once
i=0
while [ $i -lt 2000 ]; do
	fail "10:$(printf %02d $((10 + i / 60))):$(printf %02d $((i % 60)))" 198.51.100.$((1 + i % 50))
	i=$((i + 1))
done >> "$LOG"
( run70 2026-11-26T11:00:00Z > "$T/r1.out" 2>&1; echo $? >> "$T/r1.out" ) &
p1=$!
( run70 2026-11-26T11:00:00Z > "$T/r2.out" 2>&1; echo $? >> "$T/r2.out" ) &
p2=$!
wait $p1 $p2
ok_eq "together: both exit 0 quietly" "0
0" "$(cat "$T/r1.out" "$T/r2.out")"
ok_eq "together: every failure exactly once" "2004|2004" \
    "$(q 'select count(*), count(distinct time || address) from failures')"
ok_eq "together: 50 new bans, one each" "51|51" \
    "$(q 'select count(*), count(distinct address) from bans')"
ok_eq "together: rules equal bans" "51" "$(chain4 | grep -c '^-A fail2ban-mail')"

# 3. a report holds a read transaction open during the run
mkfifo "$T/sql"
sqlite3 "$DB" < "$T/sql" > "$T/report.out" 2>&1 &
rep=$!
exec 3> "$T/sql"
printf 'BEGIN;\nSELECT count(*) FROM failures;\n' >&3
k=0
while [ ! -s "$T/report.out" ] && [ $k -lt 600 ]; do sleep 0.1; k=$((k + 1)); done
ok_eq "report: read transaction open" "2004" "$(cat "$T/report.out")"
{ fail 11:30:01 $B; fail 11:30:02 $B; fail 11:30:03 $B; } >> "$LOG"
ok_eq "report open: run exits 0 quietly" "0:" \
    "$(timeout 60 "$MAILBAN" run -c "$CONF" --now 2026-11-26T11:31:00Z 2>&1; echo "$?:")"
ok_eq "report open: the run committed" "2007" "$(q 'select count(*) from failures')"
ok_eq "report open: the run banned" "1" "$(chain4 | grep -c "^-A fail2ban-mail -s $B/32")"
printf 'SELECT count(*) FROM failures;\nCOMMIT;\nSELECT count(*) FROM failures;\n.quit\n' >&3
exec 3>&-
wait $rep
ok_eq "report: its snapshot was kept, then sees the run" "2004
2004
2007" "$(cat "$T/report.out")"
ok_eq "report: run status recorded ok" "ok" "$(q 'select status from runs order by id desc limit 1')"
