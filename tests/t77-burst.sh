#!/bin/sh
# t77-burst.sh -- a run that makes many bans, as root inside `unshare -n`
# with the real iptables/ip6tables and a real SQLite file:
#   - syslog: one line per new ban up to BANS_LOGMAX (20) in a run, then
#     one summary line for the rest, in evaluation order (jail, address)
#   - every ban consumes exactly its failures (one set-based UPDATE each)
# The syslog lines are caught on a socket bound over /dev/log (as t60).
. tests/lib.sh
need_root_netns "$@"

D=$T/state; mkdir -p "$D"; chmod 700 "$D"
LOG=$T/mail.log; DB=$D/mailban.db; CONF=$T/mailban.conf
sed -e "s|^logpath .*|logpath = $LOG|" -e "s|^database .*|database = $DB|" \
    -e 's|^maxretry .*|maxretry = 3|' -e 's|^port .*|port = 25|' \
    conf/mailban.conf > "$CONF"
chmod 600 "$CONF"
N=0
fail() {	# fail TIME ADDR (on Nov 26)
	N=$((N + 1))
	relaying "$N" "$1" "$2"
}
# burst FIRST LAST HOUR: 3 failures of each of 192.0.2.FIRST..LAST at HOUR:00:0[123]
burst() {
	for s in 1 2 3; do
		i=$1
		while [ "$i" -le "$2" ]; do
			fail "$3:00:0$s" "192.0.2.$i"
			i=$((i + 1))
		done
	done >> "$LOG"
}
q() { sqlite3 "$DB" "$1"; }
# lines FIRST LAST HOUR: the syslog lines of the bans of 192.0.2.FIRST..LAST
lines() {
	i=$1
	while [ "$i" -le "$2" ]; do
		printf '<29>ban 192.0.2.%d (sendmail-reject) from 2026-11-26T%s:00:03Z until 2026-11-26T%02d:00:03Z, 3 failures\n' \
		    "$i" "$3" $(($3 + 1))
		i=$((i + 1))
	done
}


# 1. 20 new bans in one run: one line each, no summary
: > "$LOG"
burst 10 29 10
ok_eq "20 bans: 20 lines" "$(lines 10 29 10)" \
    "$(syslog "$MAILBAN" run -c "$CONF" --now 2026-11-26T10:01:00Z)"
ok_eq "... silent, exit 0" "|rc=0" "$(cat "$T/cmd.out")|rc=$(cat "$T/cmd.rc")"

# 2. 21: the first 20, then one line for the one more
burst 30 50 11
ok_eq "21 bans: 20 lines and one summary" "$(lines 30 49 11)
<29>and 1 more ban (see mailban report active-bans)" \
    "$(syslog "$MAILBAN" run -c "$CONF" --now 2026-11-26T11:01:00Z)"

# 3. 45: the first 20, then 25 more
burst 51 95 12
ok_eq "45 bans: 20 lines and one summary" "$(lines 51 70 12)
<29>and 25 more bans (see mailban report active-bans)" \
    "$(syslog "$MAILBAN" run -c "$CONF" --now 2026-11-26T12:01:00Z)"
ok_eq "... silent, exit 0" "|rc=0" "$(cat "$T/cmd.out")|rc=$(cat "$T/cmd.rc")"

# 4. every ban is recorded and holds exactly its 3 failures
ok_eq "bans recorded, each with its 3 failures" "86|86|0" \
    "$(q "select count(*) from bans")|$(q "select count(*) from (select ban_id from failures group by ban_id having count(*) = 3 and ban_id is not null)")|$(q "select count(*) from failures where ban_id is null")"
ok_eq "a ban's failures are its address's" "0" \
    "$(q "select count(*) from failures f join bans b on b.id = f.ban_id where b.address <> f.address or b.jail <> f.jail or f.time > b.start")"
ok_eq "the runs' newbans" "20 21 45" "$(q "select group_concat(newbans, ' ') from (select newbans from runs order by id)")"
ok_eq "the chain holds those in force (the 12:00 ones)" "45" "$(iptables-save -t filter | grep -c '^-A fail2ban-mail ')"
echo "1..$TN"
