#!/bin/sh
# t80-ipset.sh -- backend = ipset end to end, as root inside `unshare -n`,
# with the real iptables, ip6tables and ipset: three bans, a flushed set
# and a flushed chain healed, an unban, the switch to backend = chain and
# back (each run migrates), --dry-run, and stop.  Exact iptables-save and
# ipset save output (the set's random initval masked, members sorted:
# ipset prints them in hash order).
. tests/lib.sh
need_root_netns "$@"
if [ ! -x /usr/sbin/ipset ]; then
	echo "not ok 1 - /usr/sbin/ipset missing (apt-get install ipset)"; exit 1
fi

D=$T/state; mkdir -p "$D"; chmod 700 "$D"
LOG=$T/mail.log; DB=$D/mailban.db; CONF=$T/mailban.conf
sed -e "s|^logpath .*|logpath = $LOG|" -e "s|^database .*|database = $DB|" \
    -e 's|^maxretry .*|maxretry = 3|' -e 's|^port .*|port = 25|' \
    -e 's|^backend .*|backend = ipset|' conf/mailban.conf > "$CONF"
chmod 600 "$CONF"
backend() { sed -i "s|^backend .*|backend = $1|" "$CONF"; }

n=0
fail() {
	n=$((n + 1))
	relaying "$n" "$1" "$2"
}
run() { "$MAILBAN" run -c "$CONF" --now "2026-11-26T$1Z"; }
chain4() { iptables-save -t filter | grep -E '^-A (fail2ban-mail|INPUT|FORWARD)' ; }
chain6() { ip6tables-save -t filter | grep -E '^-A (fail2ban-mail|INPUT|FORWARD)' ; }
sets() {	# each set's members sorted after its create line
	ipset save | sed 's/ initval 0x[0-9a-f]*/ initval X/' |
	    awk '$1 == "create" { s++ } { print s, ($1 == "add"), $0 }' |
	    sort -k1,1n -k2,2n -k3 | cut -d' ' -f3-
}
BT='REJECT --reject-with tcp-reset'
JUMP='-A INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail'
SRULE="-A fail2ban-mail -p tcp -m set --match-set fail2ban-mail src -j $BT"
SRULE6="-A fail2ban-mail -p tcp -m set --match-set fail2ban-mail6 src -j $BT"
SET4='create fail2ban-mail hash:ip family inet hashsize 1024 maxelem 10000 bucketsize 12 initval X'
SET6='create fail2ban-mail6 hash:ip family inet6 hashsize 1024 maxelem 10000 bucketsize 12 initval X'
R4="-p tcp -j $BT"

# 1. three IPv4 attackers and one IPv6: one set per family, one rule each
for a in 192.0.2.10 203.0.113.5 192.0.2.9 IPv6:2001:db8::5; do
	fail 10:00:01 $a; fail 10:00:02 $a; fail 10:00:03 $a
done > "$LOG"
ok_eq "ipset run prints nothing" "" "$(run 10:05:00 2>&1)"
ok_eq "iptables: the jump and the set rule" "$JUMP
$SRULE" "$(chain4)"
ok_eq "ip6tables: the jump and the set6 rule" "$JUMP
$SRULE6" "$(chain6)"
ok_eq "the sets hold the bans" "$SET4
add fail2ban-mail 192.0.2.10
add fail2ban-mail 192.0.2.9
add fail2ban-mail 203.0.113.5
$SET6
add fail2ban-mail6 2001:db8::5" "$(sets)"
ok_eq "the run counts 4 added" "4|0" \
    "$(sqlite3 "$DB" 'select added, removed from runs order by rowid desc limit 1')"
ok_eq "second run prints nothing" "" "$(run 10:06:00 2>&1)"
ok_eq "second run changes nothing" "0|0" \
    "$(sqlite3 "$DB" 'select added, removed from runs order by rowid desc limit 1')"

ok_rc "check with backend = ipset in sync: exit 0" 0 \
    "$MAILBAN" check -c "$CONF" --now 2026-11-26T10:06:00Z
ok_eq "check with backend = ipset in sync prints nothing" "" "$(cat "$T/.out")"

# 2. a flushed set, then a flushed chain: each healed by the next run
# (check names each difference of the set and of the chain first)
ipset flush fail2ban-mail
ipset add fail2ban-mail 198.51.100.3
ok_rc "check of a flushed set: exit 1" 1 \
    "$MAILBAN" check -c "$CONF" --now 2026-11-26T10:07:00Z
ok_eq "check names every member missing or extra" \
"iptables: 198.51.100.3 is in set fail2ban-mail but is not banned
iptables: 192.0.2.9 is banned but not in set fail2ban-mail
iptables: 192.0.2.10 is banned but not in set fail2ban-mail
iptables: 203.0.113.5 is banned but not in set fail2ban-mail" "$(cat "$T/.out")"
run 10:07:00
ok_eq "flushed set healed" "$SET4
add fail2ban-mail 192.0.2.10
add fail2ban-mail 192.0.2.9
add fail2ban-mail 203.0.113.5
$SET6
add fail2ban-mail6 2001:db8::5" "$(sets)"
iptables -F fail2ban-mail
ok_rc "check of a flushed chain: exit 1" 1 \
    "$MAILBAN" check -c "$CONF" --now 2026-11-26T10:08:00Z
ok_eq "check names the missing set rule" \
    "iptables: the rule for set fail2ban-mail is missing from fail2ban-mail" \
    "$(cat "$T/.out")"
run 10:08:00
ok_eq "flushed chain healed" "$JUMP
$SRULE" "$(chain4)"

# 3. an unban removes exactly that member
ok_eq "unban prints nothing" "" \
    "$("$MAILBAN" unban 192.0.2.9 -c "$CONF" --now 2026-11-26T10:09:00Z 2>&1)"
ok_eq "the member left the set" "$SET4
add fail2ban-mail 192.0.2.10
add fail2ban-mail 203.0.113.5
$SET6
add fail2ban-mail6 2001:db8::5" "$(sets)"
ok_eq "the rule stays" "$JUMP
$SRULE" "$(chain4)"

# 4. backend = chain: per-address rules, then the sets are destroyed
backend chain
ok_eq "dry run to chain prints the scripts" "# iptables-restore --noflush
*filter
$(echo "$SRULE" | sed 's/^-A/-D/')
-A fail2ban-mail -s 192.0.2.10/32 $R4
-A fail2ban-mail -s 203.0.113.5/32 $R4
COMMIT
# ipset restore -exist
destroy fail2ban-mail
# ip6tables-restore --noflush
*filter
$(echo "$SRULE6" | sed 's/^-A/-D/')
-A fail2ban-mail -s 2001:db8::5/128 $R4
COMMIT
# ipset restore -exist
destroy fail2ban-mail6" \
    "$("$MAILBAN" run -c "$CONF" --now 2026-11-26T10:10:00Z --dry-run 2>&1)"
ok_eq "migration to chain prints nothing" "" "$(run 10:10:00 2>&1)"
ok_eq "iptables: one rule per address" "$JUMP
-A fail2ban-mail -s 192.0.2.10/32 $R4
-A fail2ban-mail -s 203.0.113.5/32 $R4" "$(chain4)"
ok_eq "ip6tables: one rule per address" "$JUMP
-A fail2ban-mail -s 2001:db8::5/128 $R4" "$(chain6)"
ok_eq "no set left" "" "$(sets)"
ok_eq "chain run after migration prints nothing" "" "$(run 10:11:00 2>&1)"

# 5. and back to ipset: the rules go in the same restore that adds the set rule
backend ipset
ok_eq "migration to ipset prints nothing" "" "$(run 10:12:00 2>&1)"
ok_eq "iptables: the set rule only" "$JUMP
$SRULE" "$(chain4)"
ok_eq "ip6tables: the set6 rule only" "$JUMP
$SRULE6" "$(chain6)"
ok_eq "the sets again" "$SET4
add fail2ban-mail 192.0.2.10
add fail2ban-mail 203.0.113.5
$SET6
add fail2ban-mail6 2001:db8::5" "$(sets)"
ok_eq "migration counts: 3 members in, 3 rules out" "3|3" \
    "$(sqlite3 "$DB" 'select added, removed from runs order by rowid desc limit 1')"

# 6. expiry empties the sets; stop removes chains and sets
ok_eq "expiry run prints nothing" "" "$(run 12:00:00 2>&1)"
ok_eq "expired: empty sets" "$SET4
$SET6" "$(sets)"
ok_eq "stop prints nothing" "" "$("$MAILBAN" stop -c "$CONF" 2>&1)"
ok_eq "stop: no chain, no jump" "" "$(chain4; chain6)"
ok_eq "stop: no set" "" "$(sets)"
