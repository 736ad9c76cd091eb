#!/bin/sh
# t60-admin.sh -- ban, unban, check, stop and start end to end, as root inside
# `unshare -n`, with the real iptables/ip6tables and a real SQLite file.
# Fixed --now values; every expected output is exact.  The syslog lines of
# log_event() are caught on a socket mounted over /dev/log in a private
# mount namespace (so the facility is checked too).
. tests/lib.sh
need_root_netns "$@"

D=$T/state; mkdir -p "$D"; chmod 700 "$D"
LOG=$T/mail.log; DB=$D/mailban.db; CONF=$T/mailban.conf
sed -e "s|^logpath .*|logpath = $LOG|" -e "s|^database .*|database = $DB|" \
    -e 's|^maxretry .*|maxretry = 3|' -e 's|^port .*|port = 25|' \
    -e 's|^syslog_facility .*|syslog_facility = local3|' \
    -e 's|^ignoreip .*|ignoreip = 127.0.0.0/8 ::1 192.0.2.240/28|' conf/mailban.conf > "$CONF"
chmod 600 "$CONF"
: > "$LOG"

# fail TIME ADDR: one "Relaying denied" line (ok_rc sets $n: count in $nf)
nf=0
fail() {
	nf=$((nf + 1))
	relaying "$nf" "$1" "$2"
}
at() { echo "2026-11-26T$1Z"; }
run() { "$MAILBAN" run -c "$CONF" --now "$(at "$1")"; }
q() { sqlite3 "$DB" "$1"; }
chain4() { iptables-save -t filter | grep -E '^(:fail2ban-mail|-A (fail2ban-mail|INPUT))' ; }
chain6() { ip6tables-save -t filter | grep -E '^(:fail2ban-mail|-A (fail2ban-mail|INPUT))' ; }
R4='-p tcp -j REJECT --reject-with tcp-reset'
JUMP='-A INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail'
CHAIN=':fail2ban-mail - [0:0]'


# 1. a manual ban: at once in the chain, one syslog line (local3.notice)
ok_eq "ban logs one event to local3" \
    "<157>ban 192.0.2.7 (manual) until 2026-11-26T11:00:00Z: spam run" \
    "$(syslog "$MAILBAN" ban 192.0.2.7 -c "$CONF" --now "$(at 10:00:00)" --reason 'spam run')"
ok_eq "ban exits 0" "0" "$(cat "$T/cmd.rc")"
ok_eq "ban prints nothing" "" "$(cat "$T/cmd.out")"
ok_eq "ban recorded as manual, default bantime" \
    "192.0.2.7|manual|1795687200|1795690800|0|1|spam run|" \
    "$(q 'select address, jail, start, "end", failures, manual, reason, lifted from bans')"
ok_eq "ban applied at once" "$CHAIN
$JUMP
-A fail2ban-mail -s 192.0.2.7/32 $R4" "$(chain4)"
ok_eq "ip6tables chain and jump" "$CHAIN
$JUMP" "$(chain6)"

# 2. an IPv6 ban, permanent, written as sendmail would
ok_eq "IPv6 ban prints nothing" "" \
    "$("$MAILBAN" ban 'IPv6:2001:DB8:0::7' -c "$CONF" --for -1 --now "$(at 10:01:00)" 2>&1)"
ok_eq "IPv6 ban applied" "$CHAIN
$JUMP
-A fail2ban-mail -s 2001:db8::7/128 $R4" "$(chain6)"
ok_eq "IPv6 ban is permanent" "2001:db8::7|manual|1795687260||" \
    "$(q "select address, jail, start, \"end\", reason from bans where address like '2001:%'")"

# 3. whitelist wins, unless --force
ok_rc "ban of an ignoreip address: exit 1" 1 \
    "$MAILBAN" ban 192.0.2.241 -c "$CONF" --now "$(at 10:02:00)"
ok_eq "ban of an ignoreip address: the message" \
    "mailban: ban: 192.0.2.241 is in ignoreip (192.0.2.240/28); not banned (use --force to ban it anyway)" \
    "$(cat "$T/.out")"
ok_eq "ban of an ignoreip address: nothing recorded" "0" \
    "$(q "select count(*) from bans where address = '192.0.2.241'")"
ok_eq "forced ban logs it" \
    "<157>ban 192.0.2.241 (manual) until 2026-11-26T10:12:00Z, forced past ignoreip 192.0.2.240/28" \
    "$(syslog "$MAILBAN" ban 192.0.2.241 --force --for 10m -c "$CONF" --now "$(at 10:02:00)")"
ok_eq "forced ban exits 0" "0" "$(cat "$T/cmd.rc")"
ok_eq "forced ban prints nothing" "" "$(cat "$T/cmd.out")"
ok_eq "forced ban recorded" "192.0.2.241|manual|1795687320|1795687920" \
    "$(q "select address, jail, start, \"end\" from bans where address = '192.0.2.241'")"
ok_eq "forced ban reaches the chain (cmd_apply must let manual bans pass ignoreip)" \
    "$CHAIN
$JUMP
-A fail2ban-mail -s 192.0.2.7/32 $R4
-A fail2ban-mail -s 192.0.2.241/32 $R4" "$(chain4)"
ok_eq "the forced ban is lifted" "" \
    "$("$MAILBAN" unban 192.0.2.241 -c "$CONF" --now "$(at 10:02:30)" 2>&1)"
ok_eq "the forced ban left the chain" "$CHAIN
$JUMP
-A fail2ban-mail -s 192.0.2.7/32 $R4" "$(chain4)"

# 4. names and garbage are usage errors; mailban never resolves names
ok_rc "ban of a host name: exit 64" 64 "$MAILBAN" ban mail.example.com -c "$CONF"
ok_eq "ban of a host name: the message" \
    'mailban: ban: "mail.example.com" is not an address (mailban never resolves names)' \
    "$(cat "$T/.out")"
ok_rc "ban of 192.0.2.300: exit 64" 64 "$MAILBAN" ban 192.0.2.300 -c "$CONF"
ok_eq "ban of 192.0.2.300: the message" 'mailban: ban: "192.0.2.300" is not a valid IPv4 address (use four numbers 0 to 255, such as 192.0.2.7)' "$(cat "$T/.out")"
ok_rc "ban of 300.1.2.3: exit 64" 64 "$MAILBAN" ban 300.1.2.3 -c "$CONF"
ok_eq "ban of 300.1.2.3: the message" 'mailban: ban: "300.1.2.3" is not a valid IPv4 address (use four numbers 0 to 255, such as 192.0.2.7)' "$(cat "$T/.out")"
ok_rc "ban of 2001:db8:::1: exit 64" 64 "$MAILBAN" ban 2001:db8:::1 -c "$CONF"
ok_eq "ban of 2001:db8:::1: the message" 'mailban: ban: "2001:db8:::1" is not a valid IPv6 address (such as 2001:db8::7)' "$(cat "$T/.out")"
ok_rc "unban of a host name: exit 64" 64 "$MAILBAN" unban mail.example.com -c "$CONF"
ok_eq "unban of a host name: the message" 'mailban: unban: "mail.example.com" is not an address (mailban never resolves names)' "$(cat "$T/.out")"
ok_rc "ban --for garbage: exit 64" 64 "$MAILBAN" ban 192.0.2.8 --for soon -c "$CONF"
ok_eq "ban --for garbage: the message" \
    'mailban: ban: --for "soon": not a duration (use a duration such as 1h, 2d, 1w, or -1 for permanent) (see mailban --help)' \
    "$(cat "$T/.out")"
ok_eq "usage errors recorded nothing" "3" "$(q 'select count(*) from bans')"

# 5. check: quiet and 0 when the chains hold exactly the bans
ok_rc "check ok: exit 0" 0 "$MAILBAN" check -c "$CONF" --now "$(at 10:03:00)"
ok_eq "check ok prints nothing" "" "$(cat "$T/.out")"
iptables -F fail2ban-mail
ip6tables -D INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail
iptables -I INPUT -p tcp --dport 587 -j fail2ban-mail
iptables -A fail2ban-mail -s 198.51.100.99/32 -p tcp -j DROP
iptables -A fail2ban-mail -p udp -j DROP
iptables -A fail2ban-mail -s 192.0.2.7/32 -p tcp -j DROP
ok_rc "check after a flush: exit 1" 1 "$MAILBAN" check -c "$CONF" --now "$(at 10:03:00)"
ok_eq "check names every difference" \
"iptables: a stale jump from INPUT to fail2ban-mail: -A INPUT -p tcp -m tcp --dport 587 -j fail2ban-mail
iptables: 198.51.100.99 has a rule but is not banned
iptables: a rule in fail2ban-mail that is no ban: -A fail2ban-mail -p udp -j DROP
iptables: 192.0.2.7 has an unexpected rule: -A fail2ban-mail -s 192.0.2.7/32 -p tcp -j DROP
iptables: 192.0.2.7 is banned but has no rule
ip6tables: the jump from INPUT to fail2ban-mail is missing" "$(cat "$T/.out")"
ok_eq "check changed nothing" "$CHAIN
-A INPUT -p tcp -m tcp --dport 587 -j fail2ban-mail
$JUMP
-A fail2ban-mail -s 198.51.100.99/32 -p tcp -j DROP
-A fail2ban-mail -p udp -j DROP
-A fail2ban-mail -s 192.0.2.7/32 -p tcp -j DROP" "$(chain4)"

# 6. stop removes chains and jumps in both families; bans stay, and so
# does the pause: runs apply nothing until start
ok_eq "stop logs one event" \
    "<157>stop: chain fail2ban-mail and its jumps removed from iptables and ip6tables; the bans stay in the database; paused until mailban start" \
    "$(syslog "$MAILBAN" stop -c "$CONF" --now "$(at 10:03:30)")"
ok_eq "stop exits 0" "0" "$(cat "$T/cmd.rc")"
ok_eq "stop prints nothing" "" "$(cat "$T/cmd.out")"
ok_eq "stop: no chain, no jump in iptables" "" "$(chain4)"
ok_eq "stop: no chain, no jump in ip6tables" "" "$(chain6)"
ok_eq "stop keeps the bans" "2" "$(q 'select count(*) from bans where lifted is null')"
ok_rc "check after stop: exit 1" 1 "$MAILBAN" check -c "$CONF" --now "$(at 10:04:00)"
ok_eq "check after stop" \
"iptables: chain fail2ban-mail is missing
iptables: 192.0.2.7 is banned but has no rule
iptables: the jump from INPUT to fail2ban-mail is missing
ip6tables: chain fail2ban-mail is missing
ip6tables: 2001:db8::7 is banned but has no rule
ip6tables: the jump from INPUT to fail2ban-mail is missing" "$(cat "$T/.out")"
ok_rc "stop again: nothing to do, exit 0" 0 "$MAILBAN" stop -c "$CONF"
ok_eq "a run while paused: quiet" "" "$(run 10:04:00 2>&1)"
ok_eq "... and applies nothing" "" "$(chain4)$(chain6)"
ok_eq "... recorded as paused" "paused since 2026-11-26T10:03:30Z" \
    "$(q 'select status from runs order by id desc limit 1')"
ok_eq "start logs one event" "<157>start: resumed; 2 bans applied to chain fail2ban-mail" \
    "$(syslog "$MAILBAN" start -c "$CONF" --now "$(at 10:04:10)")"
ok_eq "start exits 0, prints nothing" "0|" "$(cat "$T/cmd.rc")|$(cat "$T/cmd.out")"
ok_eq "start restored iptables" "$CHAIN
$JUMP
-A fail2ban-mail -s 192.0.2.7/32 $R4" "$(chain4)"
ok_eq "start restored ip6tables" "$CHAIN
$JUMP
-A fail2ban-mail -s 2001:db8::7/128 $R4" "$(chain6)"
ok_rc "check after the run: exit 0" 0 "$MAILBAN" check -c "$CONF" --now "$(at 10:04:00)"

# 7. unban: the rule goes at once, and the failures that led to the ban
# (and those seen while it was in force) never count again
{ fail 10:05:01 203.0.113.5; fail 10:05:02 203.0.113.5; fail 10:05:03 203.0.113.5; } >> "$LOG"
run 10:06:00
ok_eq "C banned by the run" "1" "$(chain4 | grep -c 'fail2ban-mail -s 203.0.113.5/32')"
{ fail 10:06:01 203.0.113.5; fail 10:06:02 203.0.113.5; } >> "$LOG"
run 10:07:00
ok_eq "unban logs one event" "<157>unban 203.0.113.5 (1 ban lifted)" \
    "$(syslog "$MAILBAN" unban 203.0.113.5 -c "$CONF" --now "$(at 10:08:00)")"
ok_eq "unban exits 0" "0" "$(cat "$T/cmd.rc")"
ok_eq "unban prints nothing" "" "$(cat "$T/cmd.out")"
ok_eq "unban removed the rule at once" "$CHAIN
$JUMP
-A fail2ban-mail -s 192.0.2.7/32 $R4" "$(chain4)"
ok_eq "the ban is lifted, not deleted" "203.0.113.5|sendmail-reject|1795687503|1795691103|1795687680" \
    "$(q "select address, jail, start, \"end\", lifted from bans where address = '203.0.113.5'")"
ok_eq "the next run does not ban again" "" "$(run 10:08:30 2>&1)"
fail 10:09:01 203.0.113.5 >> "$LOG"
run 10:10:00
ok_eq "one new failure is not three" "0" "$(chain4 | grep -c 203.0.113.5)"
ok_eq "no new ban of C" "1" "$(q "select count(*) from bans where address = '203.0.113.5'")"
ok_rc "unban of an address without a ban: exit 1" 1 \
    "$MAILBAN" unban 203.0.113.5 -c "$CONF" --now "$(at 10:10:00)"
ok_eq "unban of an address without a ban: the message" \
    "mailban: unban: 203.0.113.5 has no ban in force" "$(cat "$T/.out")"

# 8. unban --all lifts every ban in force, both families
ok_eq "unban --all logs one event" "<157>unban of every address (2 bans lifted)" \
    "$(syslog "$MAILBAN" unban --all -c "$CONF" --now "$(at 10:11:00)")"
ok_eq "unban --all exits 0" "0" "$(cat "$T/cmd.rc")"
ok_eq "unban --all prints nothing" "" "$(cat "$T/cmd.out")"
ok_eq "unban --all empties iptables" "$CHAIN
$JUMP" "$(chain4)"
ok_eq "unban --all empties ip6tables" "$CHAIN
$JUMP" "$(chain6)"
ok_eq "nothing in force" "0" "$(q 'select count(*) from bans where lifted is null')"
ok_rc "unban --all with nothing banned: exit 0" 0 \
    "$MAILBAN" unban --all -c "$CONF" --now "$(at 10:12:00)"
ok_eq "unban --all with nothing banned prints nothing" "" "$(cat "$T/.out")"
ok_rc "unban ADDR --all: exit 64" 64 "$MAILBAN" unban 192.0.2.7 --all -c "$CONF"

# 9. a ban while a run holds the lock waits for it, then succeeds
flock "$DB.lock" sleep 1 &
holder=$!
while flock -n "$DB.lock" true; do sleep 0.02; done
ok_eq "ban under a held lock waits and prints nothing" "" \
    "$("$MAILBAN" ban 198.51.100.9 -c "$CONF" --now "$(at 10:13:00)" 2>&1)"
ok_eq "the holder had finished when the ban returned" "gone" \
    "$(kill -0 "$holder" 2>/dev/null && echo running || echo gone)"
wait "$holder"
ok_eq "the waiting ban was applied" "$CHAIN
$JUMP
-A fail2ban-mail -s 198.51.100.9/32 $R4" "$(chain4)"
