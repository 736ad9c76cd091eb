#!/bin/sh
# t61-netban.sh -- `mailban ban NET/N`: a network banned, refused, lifted
# and healed with each backend, as root inside `unshare -n` with the real
# iptables/ip6tables, ipset and nft, and a real SQLite file.  A network is
# one rule of its own in every backend (hash:ip and the ban4/ban6 sets
# hold addresses only); addresses of it may have bans of their own beside
# it.  Fixed --now values; every expected output is exact.
. tests/lib.sh
need_root_netns "$@"

D=$T/state; mkdir -p "$D"; chmod 700 "$D"
LOG=$T/mail.log; DB=$D/mailban.db; CONF=$T/mailban.conf
sed -e "s|^logpath .*|logpath = $LOG|" -e "s|^database .*|database = $DB|" \
    -e 's|^maxretry .*|maxretry = 3|' -e 's|^port .*|port = 25|' \
    -e 's|^syslog_facility .*|syslog_facility = local3|' \
    -e 's|^ignoreip .*|ignoreip = 127.0.0.0/8 ::1 198.51.100.64/26|' conf/mailban.conf > "$CONF"
chmod 600 "$CONF"
: > "$LOG"
backend() { sed -i "s|^backend .*|backend = $1|" "$CONF"; }

nf=0	# (ok_rc sets $n)
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

# 1. backend = chain: a network is one -s NET/N rule, logged as one event
ok_eq "ban of a network logs one event" \
    "<157>ban 192.0.2.0/24 (manual) until 2026-11-26T11:00:00Z" \
    "$(syslog "$MAILBAN" ban 192.0.2.0/24 -c "$CONF" --now "$(at 10:00:00)")"
ok_eq "ban of a network exits 0" "0" "$(cat "$T/cmd.rc")"
ok_eq "ban of a network prints nothing" "" "$(cat "$T/cmd.out")"
ok_eq "an IPv6 network, permanent" "" \
    "$("$MAILBAN" ban 2001:DB8:5::/48 --for -1 -c "$CONF" --now "$(at 10:00:00)" 2>&1)"
ok_eq "a /32 is the address itself" "" \
    "$("$MAILBAN" ban 203.0.113.9/32 --for 10m -c "$CONF" --now "$(at 10:00:00)" 2>&1)"
ok_eq "bans recorded by their canonical text" \
    "192.0.2.0/24|manual|1795687200|1795690800|1
2001:db8:5::/48|manual|1795687200||1
203.0.113.9|manual|1795687200|1795687800|1" \
    "$(q 'select address, jail, start, "end", manual from bans order by id')"
ok_eq "the network's rule in iptables" "$CHAIN
$JUMP
-A fail2ban-mail -s 192.0.2.0/24 $R4
-A fail2ban-mail -s 203.0.113.9/32 $R4" "$(chain4)"
ok_eq "the network's rule in ip6tables" "$CHAIN
$JUMP
-A fail2ban-mail -s 2001:db8:5::/48 $R4" "$(chain6)"

# 2. refusals: host bits, prefix 0, out of range, ignoreip overlap
ok_rc "host bits set: exit 64" 64 "$MAILBAN" ban 192.0.2.5/24 -c "$CONF"
ok_eq "host bits set: the network is named" \
    'mailban: ban: "192.0.2.5/24" is not a network: it has host bits set (the network is 192.0.2.0/24)' \
    "$(cat "$T/.out")"
ok_rc "prefix 0: exit 64" 64 "$MAILBAN" ban ::/0 -c "$CONF"
ok_eq "prefix 0: the message" \
    'mailban: ban: "::/0" is a network of prefix 0, every address (ban a longer prefix)' \
    "$(cat "$T/.out")"
ok_rc "prefix 33: exit 64" 64 "$MAILBAN" ban 192.0.2.0/33 -c "$CONF"
ok_eq "prefix 33: the message" \
    'mailban: ban: "192.0.2.0/33" is not a network: prefix 33 is out of range (use 0 to 32)' \
    "$(cat "$T/.out")"
ok_rc "300.1.2.3/8: exit 64" 64 "$MAILBAN" unban 300.1.2.3/8 -c "$CONF"
ok_eq "300.1.2.3/8: an invalid address, not a name" \
    'mailban: unban: "300.1.2.3/8" is not a valid IPv4 address (use four numbers 0 to 255, such as 192.0.2.7)' \
    "$(cat "$T/.out")"
ok_rc "a network around an ignoreip network: exit 1" 1 \
    "$MAILBAN" ban 198.51.100.0/24 -c "$CONF" --now "$(at 10:01:00)"
ok_eq "the overlap is named" \
    "mailban: ban: 198.51.100.0/24 overlaps ignoreip (198.51.100.64/26); not banned (use --force to ban it anyway)" \
    "$(cat "$T/.out")"
ok_rc "a network inside ignoreip (::ffff:198.51.100.96/123): exit 1" 1 \
    "$MAILBAN" ban ::ffff:198.51.100.96/123 -c "$CONF" --now "$(at 10:01:00)"
ok_eq "it is named in its IPv4 form" \
    "mailban: ban: 198.51.100.96/27 overlaps ignoreip (198.51.100.64/26); not banned (use --force to ban it anyway)" \
    "$(cat "$T/.out")"
ok_eq "refusals recorded nothing" "3" "$(q 'select count(*) from bans')"

# 3. an address of the network banned by its failures: a rule of its own
fail 10:01:10 192.0.2.7 >> "$LOG"; fail 10:01:20 192.0.2.7 >> "$LOG"
fail 10:01:30 192.0.2.7 >> "$LOG"
ok_rc "run bans 192.0.2.7: exit 0" 0 run 10:02:00
ok_eq "the address beside its network" "$CHAIN
$JUMP
-A fail2ban-mail -s 192.0.2.0/24 $R4
-A fail2ban-mail -s 203.0.113.9/32 $R4
-A fail2ban-mail -s 192.0.2.7/32 $R4" "$(chain4)"
ok_rc "unban of an address that only its network bans: exit 1" 1 \
    "$MAILBAN" unban 192.0.2.9 -c "$CONF" --now "$(at 10:02:10)"
ok_eq "the network that bans it is named" \
    "mailban: unban: 192.0.2.9 has no ban of its own; it is in the ban of 192.0.2.0/24 (mailban unban 192.0.2.0/24 lifts that)" \
    "$(cat "$T/.out")"

# 4. check and heal: the network's rule deleted, a foreign /24 added
ok_rc "check in sync: exit 0" 0 "$MAILBAN" check -c "$CONF" --now "$(at 10:02:20)"
ok_eq "check in sync prints nothing" "" "$(cat "$T/.out")"
iptables -D fail2ban-mail -s 192.0.2.0/24 $R4
iptables -A fail2ban-mail -s 198.51.100.128/25 -p tcp -j DROP
ok_rc "check after a change: exit 1" 1 "$MAILBAN" check -c "$CONF" --now "$(at 10:02:20)"
ok_eq "check names the networks" \
"iptables: 198.51.100.128/25 has a rule but is not banned
iptables: 192.0.2.0/24 is banned but has no rule" "$(cat "$T/.out")"
ok_eq "the run puts the rule back and says so" \
    "<157>iptables: 1 rule restored to fail2ban-mail" \
    "$(syslog "$MAILBAN" run -c "$CONF" --now "$(at 10:02:30)")"
ok_eq "healed" "$CHAIN
$JUMP
-A fail2ban-mail -s 203.0.113.9/32 $R4
-A fail2ban-mail -s 192.0.2.7/32 $R4
-A fail2ban-mail -s 192.0.2.0/24 $R4" "$(chain4)"

# 5. backend = ipset: addresses in the set, each network a rule in CHAIN
backend ipset
ok_rc "run with backend = ipset: exit 0" 0 run 10:03:00
ok_eq "ipset: the set rule beside the network's" "$CHAIN
$JUMP
-A fail2ban-mail -s 192.0.2.0/24 $R4
-A fail2ban-mail -p tcp -m set --match-set fail2ban-mail src -j REJECT --reject-with tcp-reset" \
    "$(chain4)"
ok_eq "ipset: the IPv6 network" "$CHAIN
$JUMP
-A fail2ban-mail -s 2001:db8:5::/48 $R4
-A fail2ban-mail -p tcp -m set --match-set fail2ban-mail6 src -j REJECT --reject-with tcp-reset" \
    "$(chain6)"
ok_eq "ipset: the sets hold addresses only" "add fail2ban-mail 192.0.2.7
add fail2ban-mail 203.0.113.9" "$(ipset save | grep '^add' | sort)"
ok_rc "ipset: check in sync: exit 0" 0 "$MAILBAN" check -c "$CONF" --now "$(at 10:03:10)"
ok_eq "ipset: check prints nothing" "" "$(cat "$T/.out")"
iptables -D fail2ban-mail -s 192.0.2.0/24 $R4
ok_rc "ipset: check after the network's rule went: exit 1" 1 \
    "$MAILBAN" check -c "$CONF" --now "$(at 10:03:10)"
ok_eq "ipset: check names it" "iptables: 192.0.2.0/24 is banned but has no rule" \
    "$(cat "$T/.out")"
ok_eq "ipset: the run heals it and says what" \
    "<157>iptables: 1 rule restored to fail2ban-mail" \
    "$(syslog "$MAILBAN" run -c "$CONF" --now "$(at 10:03:20)")"
ok_eq "ipset: a quiet run after it changes nothing" "" "$(run 10:03:30 2>&1)"
ok_eq "ipset: healed" "$CHAIN
$JUMP
-A fail2ban-mail -p tcp -m set --match-set fail2ban-mail src -j REJECT --reject-with tcp-reset
-A fail2ban-mail -s 192.0.2.0/24 $R4" "$(chain4)"

# 6. backend = nft: each network one rule of chain input
if command -v nft >/dev/null; then
backend nft
ok_rc "run with backend = nft: exit 0" 0 run 10:04:00
ok_eq "nft: no chain left in iptables" "" "$(chain4)"
ok_eq "nft: the networks' rules after the sets'" \
"		ip saddr @ban4 tcp dport 25 reject with tcp reset
		ip6 saddr @ban6 tcp dport 25 reject with tcp reset
		ip saddr 192.0.2.0/24 tcp dport 25 reject with tcp reset
		ip6 saddr 2001:db8:5::/48 tcp dport 25 reject with tcp reset" \
    "$(nft list chain inet fail2ban-mail input | grep saddr)"
ok_eq "nft: ban4 holds the addresses only" "192.0.2.7
203.0.113.9" \
    "$(nft -j list set inet fail2ban-mail ban4 | python3 -c 'import json,sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("set", {}).get("elem", []):
        print(e["elem"]["val"] if isinstance(e, dict) else e)' | sort)"
ok_rc "nft: check in sync: exit 0" 0 "$MAILBAN" check -c "$CONF" --now "$(at 10:04:10)"
ok_eq "nft: check prints nothing" "" "$(cat "$T/.out")"
h=$(nft -a list chain inet fail2ban-mail input | sed -n 's|.*ip saddr 192.0.2.0/24 .* handle \([0-9]*\)$|\1|p')
nft delete rule inet fail2ban-mail input handle "$h"
nft add rule inet fail2ban-mail input ip saddr 203.0.113.0/24 tcp dport 25 reject with tcp reset
ok_rc "nft: check after a change: exit 1" 1 "$MAILBAN" check -c "$CONF" --now "$(at 10:04:10)"
ok_eq "nft: check names both networks" \
"nft: a rule in chain input bans 203.0.113.0/24, which is not banned
nft: 192.0.2.0/24 is banned but has no rule in chain input" "$(cat "$T/.out")"
ok_rc "nft: the run heals: exit 0" 0 run 10:04:20
ok_eq "nft: healed" \
"		ip saddr @ban4 tcp dport 25 reject with tcp reset
		ip6 saddr @ban6 tcp dport 25 reject with tcp reset
		ip6 saddr 2001:db8:5::/48 tcp dport 25 reject with tcp reset
		ip saddr 192.0.2.0/24 tcp dport 25 reject with tcp reset" \
    "$(nft list chain inet fail2ban-mail input | grep saddr)"
ok_eq "nft: unban of the network" "" \
    "$("$MAILBAN" unban 192.0.2.0/24 -c "$CONF" --now "$(at 10:05:00)" 2>&1)"
ok_eq "nft: its rule is gone, the address stays" \
"		ip saddr @ban4 tcp dport 25 reject with tcp reset
		ip6 saddr @ban6 tcp dport 25 reject with tcp reset
		ip6 saddr 2001:db8:5::/48 tcp dport 25 reject with tcp reset" \
    "$(nft list chain inet fail2ban-mail input | grep saddr)"
backend chain
ok_rc "back to backend = chain: exit 0" 0 run 10:05:10
else
	echo "not ok $((TN + 1)) - nft missing (apt-get install nftables)"; TN=$((TN + 1))
	backend chain
	"$MAILBAN" unban 192.0.2.0/24 -c "$CONF" --now "$(at 10:05:00)"
fi

# 7. a network's ban ends like any other: the next run removes its rule
ok_eq "a network for 10 minutes" "" \
    "$("$MAILBAN" ban 203.0.113.128/25 --for 10m -c "$CONF" --now "$(at 10:06:00)" 2>&1)"
ok_eq "its rule" "$CHAIN
$JUMP
-A fail2ban-mail -s 192.0.2.7/32 $R4
-A fail2ban-mail -s 203.0.113.9/32 $R4
-A fail2ban-mail -s 203.0.113.128/25 $R4" "$(chain4)"
ok_rc "a run after its end: exit 0" 0 run 10:16:30
ok_eq "its rule is gone" "$CHAIN
$JUMP
-A fail2ban-mail -s 192.0.2.7/32 $R4" "$(chain4)"
ok_eq "the lifted and ended bans" \
    "192.0.2.0/24|1795687500
203.0.113.128/25|" \
    "$(q "select address, lifted from bans where address like '%/2_' order by id")"
ok_eq "status lists the network in force" \
    "2001:db8:5::/48                         manual             2026-11-26T10:00:00Z permanent            0        0    -" \
    "$("$MAILBAN" status -c "$CONF" --now "$(at 10:16:40)" | grep /48)"
echo "1..$TN"
