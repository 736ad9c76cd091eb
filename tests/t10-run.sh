#!/bin/sh
# t10-run.sh -- the cron run end to end, as root inside `unshare -n`, with
# the real iptables/ip6tables, a real SQLite file and the sqlite3 CLI.
# A scripted story with fixed --now values: failures across runs, a partial
# last line, rename rotation, copytruncate, a hand flush healed, expiry,
# ignoreip, --dry-run, the lock, and a second run that changes nothing.
. tests/lib.sh
need_root_netns "$@"

D=$T/state; mkdir -p "$D"; chmod 700 "$D"
LOG=$T/mail.log; DB=$D/mailban.db; CONF=$T/mailban.conf
sed -e "s|^logpath .*|logpath = $LOG|" -e "s|^database .*|database = $DB|" \
    -e 's|^maxretry .*|maxretry = 3|' -e 's|^port .*|port = 25|' \
    -e 's|^ignoreip .*|ignoreip = 127.0.0.0/8 ::1 192.0.2.250|' conf/mailban.conf > "$CONF"
chmod 600 "$CONF"

# fail TIME ADDR: one "Relaying denied" line (ADDR as sendmail writes it)
n=0
fail() {
	n=$((n + 1))
	relaying "$n" "$1" "$2"
}
noise() {
	printf 'Nov 26 %s mx sm-mta[999]: 5AQA0000z0000001: from=<a@example.com>, size=1234, class=0, nrcpts=1, msgid=<x@example.com>, proto=ESMTP, daemon=MTA, relay=mail.example.com [198.51.100.200]\n' "$1"
}
run() { "$MAILBAN" run -c "$CONF" --now "2026-11-26T$1Z"; }
q() { sqlite3 "$DB" "$1"; }
chain4() { iptables-save -t filter | grep -E '^-A (fail2ban-mail|INPUT)' ; }
chain6() { ip6tables-save -t filter | grep -E '^-A (fail2ban-mail|INPUT)' ; }
R4='-p tcp -j REJECT --reject-with tcp-reset'
JUMP='-A INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail'

# 1. two failures of A and a partial third line: no ban, the half line waits
{ fail 10:00:01 192.0.2.10; noise 10:00:30; fail 10:01:01 192.0.2.10; } > "$LOG"
fail 10:02:01 192.0.2.10 | tr -d '\n' >> "$LOG"
ok_eq "first run prints nothing" "" "$(run 10:05:00 2>&1)"
ok_eq "two failures recorded" "192.0.2.10|2" "$(q 'select address, count(*) from failures group by address')"
ok_eq "partial line held back" "$(($(wc -c < "$LOG") - $(tail -c +1 "$LOG" | tail -n 1 | wc -c)))" \
    "$(q 'select offset from positions')"
ok_eq "chain and jump created, no rule" "$JUMP" "$(chain4)"
ok_eq "ip6 chain and jump created" "$JUMP" "$(chain6)"

# 2. the line completes; an IPv6 attacker B: both banned at the third failure
{ echo; fail 10:20:01 IPv6:2001:DB8::5; fail 10:21:01 IPv6:2001:db8::5; fail 10:22:01 IPv6:2001:db8:0::5; } >> "$LOG"
ok_eq "second run prints nothing" "" "$(run 10:30:00 2>&1)"
ok_eq "bans at the completing failure" \
"192.0.2.10|sendmail-reject|1795687321|1795690921|3
2001:db8::5|sendmail-reject|1795688521|1795692121|3" \
    "$(q 'select address, jail, start, "end", failures from bans order by address')"
ok_eq "iptables holds A" "$JUMP
-A fail2ban-mail -s 192.0.2.10/32 $R4" "$(chain4)"
ok_eq "ip6tables holds B" "$JUMP
-A fail2ban-mail -s 2001:db8::5/128 $R4" "$(chain6)"

# 3. rename rotation with lines in both files: none lost, none twice
fail 10:40:01 198.51.100.20 >> "$LOG"
mv "$LOG" "$LOG.1"
{ fail 10:41:01 198.51.100.20; fail 10:42:01 198.51.100.20; } > "$LOG"
ok_eq "rotation run prints nothing" "" "$(run 10:45:00 2>&1)"
ok_eq "every failure once across the rotation" "192.0.2.10|3
198.51.100.20|3
2001:db8::5|3" "$(q 'select address, count(*) from failures group by address order by address')"
ok_eq "C banned after rotation" "$JUMP
-A fail2ban-mail -s 192.0.2.10/32 $R4
-A fail2ban-mail -s 198.51.100.20/32 $R4" "$(chain4)"

# 4. a flush by hand is healed by the next run, which reads nothing new
iptables -F fail2ban-mail
ok_eq "chain flushed by hand" "$JUMP" "$(chain4)"
run 10:46:00
ok_eq "flush healed" "$JUMP
-A fail2ban-mail -s 192.0.2.10/32 $R4
-A fail2ban-mail -s 198.51.100.20/32 $R4" "$(chain4)"

# 5. the whitelist wins: D fails five times, is never recorded nor banned
for s in 01 02 03 04 05; do fail 10:50:$s 192.0.2.250; done >> "$LOG"
run 10:51:00
ok_eq "whitelisted address not recorded" "0" "$(q "select count(*) from failures where address = '192.0.2.250'")"
ok_eq "whitelisted address not banned" "0" "$(chain4 | grep -c 192.0.2.250)"

# 6. expiry removes exactly the expired rule (A ends at 11:02:01)
run 11:02:00
ok_eq "A still banned one second before its end" "3" "$(chain4 | wc -l)"
run 11:02:01
ok_eq "A expired, C stays" "$JUMP
-A fail2ban-mail -s 198.51.100.20/32 $R4" "$(chain4)"
ok_eq "B stays in ip6tables" "$JUMP
-A fail2ban-mail -s 2001:db8::5/128 $R4" "$(chain6)"

# 7. copytruncate: the file is emptied in place and written again
: > "$LOG"
{ fail 11:05:01 203.0.113.7; fail 11:05:02 203.0.113.7; fail 11:05:03 203.0.113.7; } >> "$LOG"
run 11:06:00
ok_eq "copytruncate read from 0" "3" "$(q "select count(*) from failures where address = '203.0.113.7'")"
ok_eq "E banned after copytruncate" "1" "$(chain4 | grep -c 'fail2ban-mail -s 203.0.113.7/32')"

# 8. --dry-run changes nothing and prints the script it would apply
{ fail 11:10:01 203.0.113.8; fail 11:10:02 203.0.113.8; fail 11:10:03 203.0.113.8; } >> "$LOG"
before=$(q 'select count(*), sum(offset) from failures, positions')
fw_before=$(iptables-save -t filter | grep '^-A')
out=$("$MAILBAN" run -c "$CONF" --now 2026-11-26T11:11:00Z --dry-run 2>&1)
ok_eq "dry run prints the script" "# iptables-restore --noflush
*filter
-A fail2ban-mail -s 203.0.113.8/32 $R4
COMMIT" "$out"
ok_eq "dry run leaves the database" "$before" "$(q 'select count(*), sum(offset) from failures, positions')"
ok_eq "dry run leaves the firewall" "$fw_before" "$(iptables-save -t filter | grep '^-A')"

# 9. a run while another holds the lock exits 0 at once, touching nothing
ok_eq "locked run is quiet and exits 0" "0" \
    "$(flock "$DB.lock" "$MAILBAN" run -c "$CONF" --now 2026-11-26T11:11:00Z 2>&1; echo $?)"
ok_eq "locked run read nothing" "$before" "$(q 'select count(*), sum(offset) from failures, positions')"

# 10. the real run applies; a second identical run changes nothing
run 11:11:00
ok_eq "F banned" "1" "$(chain4 | grep -c 'fail2ban-mail -s 203.0.113.8/32')"
state=$(q 'select count(*) from failures; select count(*) from bans; select path, dev, ino, offset, fp, fplen from positions')
fw=$(iptables-save -t filter | grep '^-A'; ip6tables-save -t filter | grep '^-A')
ok_eq "second run is quiet" "" "$(run 11:11:00 2>&1)"
ok_eq "second run adds nothing to the database" "$state" \
    "$(q 'select count(*) from failures; select count(*) from bans; select path, dev, ino, offset, fp, fplen from positions')"
ok_eq "second run changes no rule" "$fw" "$(iptables-save -t filter | grep '^-A'; ip6tables-save -t filter | grep '^-A')"
ok_eq "runs recorded" "10" "$(q 'select count(*) from runs')"

# 11. status: the source and its last read first, then the active bans
ok_eq "status" "source: $LOG (logpath)
last read: 2026-11-26T11:11:00Z
active bans at 2026-11-26T11:12:00Z: 4
ADDRESS                                 FILTER             SINCE                UNTIL                FAILURES BANS NEXT
198.51.100.20                           sendmail-reject    2026-11-26T10:42:01Z 2026-11-26T11:42:01Z 3        1    2h
2001:db8::5                             sendmail-reject    2026-11-26T10:22:01Z 2026-11-26T11:22:01Z 3        1    2h
203.0.113.7                             sendmail-reject    2026-11-26T11:05:03Z 2026-11-26T12:05:03Z 3        1    2h
203.0.113.8                             sendmail-reject    2026-11-26T11:10:03Z 2026-11-26T12:10:03Z 3        1    2h" \
    "$("$MAILBAN" status -c "$CONF" --now 2026-11-26T11:12:00Z | head -8)"

# 12. sendmail's queue-id correlation across cron runs: "No such user here"
# names no address; the from= line of the same queue id, read by the next
# run, completes it: one failure per waiting line, dated at that line
nosuch() {
	printf 'Nov 26 %s mx sm-mta[2001]: 5AQBK1aa002001: <%s@example.com>... No such user here\n' "$1" "$2"
}
{ nosuch 11:20:01 anna; nosuch 11:20:02 bert; nosuch 11:20:03 carl; } >> "$LOG"
run 11:21:00
ok_eq "no-host failures wait for their queue id" "3|0" \
    "$(q "select count(*), count(address) from pending where qid = '5AQBK1aa002001'")"
printf 'Nov 26 11:22:01 mx sm-mta[2001]: 5AQBK1aa002001: from=<spam@example.net>, size=0, class=0, nrcpts=0, bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=[198.51.100.77]\n' >> "$LOG"
printf 'Nov 26 11:22:02 mx sm-mta[2002]: 5AQBK2aa002002: from=<spam@example.net>, size=0, class=0, nrcpts=0, bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=[198.51.100.78]\n' >> "$LOG"
run 11:23:00
ok_eq "completed in the next run, at the from= line" "198.51.100.77|3|1795692121" \
    "$(q "select address, count(*), min(time) from failures where address like '198.51.100.7%' group by address")"
ok_eq "correlated failures ban" "1" "$(chain4 | grep -c 'fail2ban-mail -s 198.51.100.77/32')"

# 13. a repeat offender: A (banned 10:02:01-11:02:01) fails again; with
# bantime.increment its second ban lasts bantime x 2 = 2h
{ fail 11:30:01 192.0.2.10; fail 11:30:02 192.0.2.10; fail 11:30:03 192.0.2.10; } >> "$LOG"
run 11:31:00
ok_eq "second ban of a repeat offender lasts twice as long" "1795687321|3600
1795692603|7200" "$(q "select start, \"end\" - start from bans where address = '192.0.2.10' order by start")"
ok_eq "status shows its ban count and the next length" "192.0.2.10 2 4h" \
    "$("$MAILBAN" status -c "$CONF" --now 2026-11-26T11:31:00Z | awk '$1 == "192.0.2.10" { print $1, $6, $7 }')"
