#!/bin/sh
# t72-eventtime.sh -- the same log gives the same failures and bans however
# the runs cut it, and whatever its timestamps' quirks (end to end, as
# root inside `unshare -n`, with the real iptables and SQLite files):
#   1. "No such user here" waits for its queue id's from= line; what waits
#      expires by the time of the log lines, not by the clock of the runs:
#      one run over the whole log and one run a minute (cron) agree
#   2. a future-dated BSD line first in a run does not take the lines after
#      it a year back
#   3. the repeated hour of a fall-back (Europe/Berlin): an attack in the
#      second 02:30 is dated there, by one run and by cron runs
# Defaults: maxretry 5, findtime 10m, bantime 1h.
. tests/lib.sh
need_root_netns "$@"

# setup NAME: $CONF, $LOG and $DB of a fresh state NAME
setup() {
	mkdir -p "$T/$1/state"; chmod 700 "$T/$1/state"
	LOG=$T/$1/mail.log; DB=$T/$1/state/mailban.db; CONF=$T/$1/mailban.conf
	: > "$LOG"
	sed -e "s|^logpath .*|logpath = $LOG|" -e "s|^database .*|database = $DB|" \
	    -e 's|^port .*|port = 25|' conf/mailban.conf > "$CONF"
	chmod 600 "$CONF"
}
run() { "$MAILBAN" run -c "$CONF" --now "$1"; }
q() { sqlite3 "$DB" "$1"; }
chain4() { iptables-save -t filter | grep '^-A fail2ban-mail' | cut -d' ' -f1-4; }
# The fresh chain of a new state: no rule left from another part.
flush() { iptables -F fail2ban-mail 2> /dev/null || true; }

# --- 1. queue-id correlation by event time --------------------------------
# nosuch DAY TIME QID: a "No such user here" of queue id QID
nosuch() {
	printf '%s %s mx sm-mta[2001]: %s: <u%s@example.com>... No such user here\n' \
	    "$1" "$2" "$3" "$(echo "$2" | tr -d :)"
}
# from DAY TIME QID ADDR: the from= line that gives QID its address
from() {
	printf '%s %s mx sm-mta[2001]: %s: from=<spam@example.net>, size=0, class=0, nrcpts=0, bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=[%s]\n' \
	    "$1" "$2" "$3" "$4"
}
# The whole story, one line per event, sorted by time:
#  S (slow): one unknown user every 3 minutes, 10:00:01 to 10:27:01, its
#    from= line at 10:28:00: only the 4 of the last 10 minutes count (no ban)
#  F (fast): one a minute, 10:10:02 to 10:19:02, from= at 10:20:00: 10, a ban;
#    then one at 10:25:02 (address known: counts at once) and one at
#    10:40:02, 20 minutes after the address was seen: waits
{
	for m in 00 03 06 09 12 15 18 21 24 27; do nosuch "Nov 26" "10:$m:01" 5AQBS1aa000001; done
	for m in 10 11 12 13 14 15 16 17 18 19; do nosuch "Nov 26" "10:$m:02" 5AQBF1aa000002; done
	from "Nov 26" 10:20:00 5AQBF1aa000002 198.51.100.78
	nosuch "Nov 26" 10:25:02 5AQBF1aa000002
	from "Nov 26" 10:28:00 5AQBS1aa000001 198.51.100.77
	nosuch "Nov 26" 10:40:02 5AQBF1aa000002
} | sort -k3,3 > "$T/story.log"

FAILS='198.51.100.77|1795688880|4
198.51.100.78|1795688400|10
198.51.100.78|1795688702|1'
BANS='198.51.100.78|1795688400|1795692000|5'
# What waits afterwards: the 10:40:02 line, and S's first six, too old to
# count at 10:28:00 and kept until the log has moved on (see below).
WAIT='sendmail-reject|5AQBS1aa000001|-|1795687201
sendmail-reject|5AQBS1aa000001|-|1795687381
sendmail-reject|5AQBS1aa000001|-|1795687561
sendmail-reject|5AQBS1aa000001|-|1795687741
sendmail-reject|5AQBS1aa000001|-|1795687921
sendmail-reject|5AQBS1aa000001|-|1795688101
sendmail-reject|5AQBF1aa000002|-|1795689602'
failures() { q 'select address, time, count(*) from failures group by address, time order by 1, 2'; }
bans() { q 'select address, start, "end", failures from bans order by 1, 2'; }
waiting() { q 'select jail, qid, ifnull(address, "-"), time from pending where address is null order by time'; }

# One run over the whole log, a minute after its last line.
flush; setup one
cp "$T/story.log" "$LOG"
ok_eq "one run: prints nothing" "" "$(run 2026-11-26T10:41:00Z 2>&1)"
ok_eq "one run: failures of the last findtime before each from= line" "$FAILS" "$(failures)"
ok_eq "one run: the fast prober is banned, the slow one is not" "$BANS" "$(bans)"
ok_eq "one run: the late line waits" "$WAIT" "$(waiting)"

# The same log read by cron: one run a minute, each with the lines of the
# minute before, --now at the start of the next minute.
flush; setup cron
quiet=""
for h in 10; do
	for m in 00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 \
	    21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40; do
		grep "^Nov 26 $h:$m:" "$T/story.log" >> "$LOG"
		quiet=$quiet$(run "2026-11-26T$h:$m:59Z" 2>&1)
	done
done
ok_eq "cron: 41 runs print nothing" "" "$quiet"
ok_eq "cron: 41 runs recorded" "41" "$(q 'select count(*) from runs')"
ok_eq "cron: the same failures as one run" "$FAILS" "$(failures)"
ok_eq "cron: the same bans as one run" "$BANS" "$(bans)"
ok_eq "cron: the same line waits" "$WAIT" "$(waiting)"

# The same log cut into three runs far apart: a run days later (a host that
# was down) expires nothing that the lines still need.
flush; setup late
sed -n '1,12p' "$T/story.log" > "$LOG"
run 2026-11-26T10:16:00Z
sed -n '13,20p' "$T/story.log" >> "$LOG"
run 2026-11-29T00:00:00Z
sed -n '21,$p' "$T/story.log" >> "$LOG"
run 2026-11-29T00:01:00Z
ok_eq "runs days apart: the same failures" "$FAILS" "$(failures)"
ok_eq "runs days apart: the same bans" "$BANS" "$(bans)"
ok_eq "runs days apart: the same line waits" "$WAIT" "$(waiting)"
# Waiting lines and addresses go once the log has moved on by findtime
# and an hour; the log moves on here, the clock alone does not.
from "Nov 29" 00:00:30 5AQBX1aa000009 192.0.2.9 >> "$LOG"
run 2026-11-29T00:02:00Z
ok_eq "pending keeps only what the latest lines may still need" \
    "5AQBX1aa000009|192.0.2.9" "$(q 'select qid, address from pending')"

# --- 2. a future-dated BSD line first in a run -----------------------------
# fail TIME ADDR N: one "Relaying denied" line of ADDR
fail() {
	printf '%s mx sm-mta[%d]: 5AQA%04dq0000001: ruleset=check_rcpt, arg1=<u@example.org>, relay=[%s], reject=550 5.7.1 <u@example.org>... Relaying denied. Proper authentication required.\n' \
	    "$1" "$3" "$3" "$2"
}
flush; setup outlier
{
	printf 'Nov 26 10:44:00 mx sm-mta[9]: 5AQA0000z0000001: from=<a@example.com>, size=1234, class=0, nrcpts=1, msgid=<x@example.com>, proto=ESMTP, daemon=MTA, relay=mail.example.com [198.51.100.200]\n'
} > "$LOG"
run 2026-11-26T10:44:30Z
{
	# a host with its clock three weeks ahead, first in the next run
	printf 'Dec 17 10:45:00 mx2 sm-mta[9]: 5AQA0000z0000002: from=<a@example.com>, size=1234, class=0, nrcpts=1, msgid=<y@example.com>, proto=ESMTP, daemon=MTA, relay=mail.example.com [198.51.100.200]\n'
	for i in 1 2 3 4 5; do fail "Nov 26 10:45:0$i" 203.0.113.45 $i; done
} >> "$LOG"
ok_eq "outlier: the run prints nothing" "" "$(run 2026-11-26T10:46:00Z 2>&1)"
ok_eq "outlier: the attack keeps its year" "203.0.113.45|1795689901|1795689905|5" \
    "$(q "select address, min(time), max(time), count(*) from failures where address = '203.0.113.45'")"
ok_eq "outlier: the attacker is banned" "203.0.113.45|1795689905|1795693505" \
    "$(q 'select address, start, "end" from bans')"
ok_eq "outlier: and in the chain" "-A fail2ban-mail -s 203.0.113.45/32" "$(chain4)"

# --- 3. the repeated hour of a fall-back -----------------------------------
# Berlin, 2026-10-25: 03:00 CEST (01:00Z) goes back to 02:00 CET.  The
# attack is at 02:30:01-05 CET = 01:30:01-05Z; banned until 02:30:05Z.
FOLD='203.0.113.66|1792891801|1792891805|5'
FBAN='203.0.113.66|1792891805|1792895405'
flush; setup fold
printf 'Oct 25 02:59:50 mx sm-mta[9]: 5AQA0000z0000001: from=<a@example.com>, size=1234, class=0, nrcpts=1, msgid=<x@example.com>, proto=ESMTP, daemon=MTA, relay=mail.example.com [198.51.100.200]\n' > "$T/fold.log"
for i in 1 2 3 4 5; do fail "Oct 25 02:30:0$i" 203.0.113.66 $i; done >> "$T/fold.log"
cp "$T/fold.log" "$LOG"
ok_eq "fall-back, one run: prints nothing" "" "$(TZ=Europe/Berlin run 2026-10-25T01:40:00Z 2>&1)"
ok_eq "fall-back, one run: after 02:59, 02:30 is the second one" "$FOLD" \
    "$(q "select address, min(time), max(time), count(*) from failures where address = '203.0.113.66'")"
ok_eq "fall-back, one run: the ban is not over" "$FBAN" "$(q 'select address, start, "end" from bans')"
ok_eq "fall-back, one run: and in the chain" "-A fail2ban-mail -s 203.0.113.66/32" "$(chain4)"
flush; setup foldcron
head -n 1 "$T/fold.log" > "$LOG"
TZ=Europe/Berlin run 2026-10-25T01:00:00Z
tail -n 5 "$T/fold.log" >> "$LOG"
ok_eq "fall-back, cron: prints nothing" "" "$(TZ=Europe/Berlin run 2026-10-25T01:31:00Z 2>&1)"
ok_eq "fall-back, cron: a run at 02:31 CET reads 02:30 as CET" "$FOLD" \
    "$(q "select address, min(time), max(time), count(*) from failures where address = '203.0.113.66'")"
ok_eq "fall-back, cron: the ban is not over" "$FBAN" "$(q 'select address, start, "end" from bans')"
ok_eq "fall-back, cron: and in the chain" "-A fail2ban-mail -s 203.0.113.66/32" "$(chain4)"
