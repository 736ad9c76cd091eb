#!/bin/sh
# t83-nft.sh -- backend = nft end to end, as root inside `unshare -n`, with
# the real nftables (libnftables in mailban, nft to look): bans in one
# transaction, check in and out of sync, a flush, a deleted set, a foreign
# element, rule and chain healed, IPv6, maxbans, an element's timeout
# replaced when its ban changes, expiry by the kernel with mailban not
# running, migration nft -> chain -> nft, ipset -> nft, and stop.  Exact `nft list`
# output; only the "expires" countdown (the kernel's clock) is masked.
. tests/lib.sh
need_root_netns "$@"
if ! command -v nft >/dev/null; then
	echo "not ok 1 - nft missing (apt-get install nftables)"; exit 1
fi

D=$T/state; mkdir -p "$D"; chmod 700 "$D"
LOG=$T/mail.log; DB=$D/mailban.db; CONF=$T/mailban.conf
sed -e "s|^logpath .*|logpath = $LOG|" -e "s|^database .*|database = $DB|" \
    -e 's|^maxretry .*|maxretry = 3|' -e 's|^backend .*|backend = nft|' \
    conf/mailban.conf > "$CONF"
chmod 600 "$CONF"
backend() { sed -i "s|^backend .*|backend = $1|" "$CONF"; }

n=0
fail() {
	n=$((n + 1))
	relaying "$n" "$1" "$2"
}
NOW=2026-11-26T10:05:00Z
run() { "$MAILBAN" run -c "$CONF" --now "${1:-$NOW}"; }
check() { "$MAILBAN" check -c "$CONF" --now "${1:-$NOW}"; }
last() { sqlite3 "$DB" 'select added, removed from runs order by rowid desc limit 1'; }
table() {	# the kernel's countdown masked
	nft list table inet fail2ban-mail 2>&1 | sed 's/ expires [0-9dhms]*//g'
}
chain4() { iptables-save -t filter | grep -E '^(:fail2ban-mail|-A (fail2ban-mail|INPUT))'; }
chain6() { ip6tables-save -t filter | grep -E '^(:fail2ban-mail|-A (fail2ban-mail|INPUT))'; }
TAB='table inet fail2ban-mail {'
SETS4='	set ban4 {
		type ipv4_addr
		flags timeout'
SETS6='	set ban6 {
		type ipv6_addr
		flags timeout'
CHAIN='	chain input {
		type filter hook input priority filter - 1; policy accept;'
RULE4='		ip saddr @ban4 tcp dport { 25, 465, 587 } reject with tcp reset'
RULE6='		ip6 saddr @ban6 tcp dport { 25, 465, 587 } reject with tcp reset'
E4='		elements = { 192.0.2.10 timeout 55m3s comment "mailban", 203.0.113.5 timeout 55m3s comment "mailban" }'
E6='		elements = { 2001:db8::5 timeout 55m3s comment "mailban" }'
FULL="$TAB
$SETS4
$E4
	}

$SETS6
$E6
	}

$CHAIN
$RULE4
$RULE6
	}
}"
CREATED='mailban: nft: table inet fail2ban-mail was missing (flushed, deleted or new); created it with 3 bans'

# 1. two IPv4 attackers and one IPv6: one transaction builds the table
for a in 192.0.2.10 203.0.113.5 IPv6:2001:db8::5; do
	fail 10:00:01 $a; fail 10:00:02 $a; fail 10:00:03 $a
done > "$LOG"
ok_eq "dry run prints the one transaction" '# nft -f -
add table inet fail2ban-mail
add set inet fail2ban-mail ban4 { type ipv4_addr; flags timeout; }
add set inet fail2ban-mail ban6 { type ipv6_addr; flags timeout; }
add chain inet fail2ban-mail input { type filter hook input priority filter - 1; policy accept; }
add rule inet fail2ban-mail input ip saddr @ban4 tcp dport { 25, 465, 587 } reject with tcp reset
add rule inet fail2ban-mail input ip6 saddr @ban6 tcp dport { 25, 465, 587 } reject with tcp reset
add element inet fail2ban-mail ban4 { 192.0.2.10 timeout 3303s comment "mailban", 203.0.113.5 timeout 3303s comment "mailban" }
add element inet fail2ban-mail ban6 { 2001:db8::5 timeout 3303s comment "mailban" }' \
    "$("$MAILBAN" run -c "$CONF" --now $NOW --dry-run 2>&1)"
ok_eq "dry run changed nothing" "Error: No such file or directory
list table inet fail2ban-mail
                ^^^^^^^^^^^^^" "$(table)"
ok_eq "first run says it created the table" "$CREATED" "$(run 2>&1)"
ok_eq "the table: each element with the time left of its ban" "$FULL" "$(table)"
ok_eq "the run counts 3 added" "3|0" "$(last)"
ok_eq "no iptables chain, no jump" "" "$(chain4; chain6)"
ok_eq "second run prints nothing" "" "$(run 2026-11-26T10:05:30Z 2>&1)"
ok_eq "second run changes nothing" "0|0" "$(last)"
ok_rc "check in sync: exit 0" 0 check
ok_eq "check in sync prints nothing" "" "$(cat "$T/.out")"
ok_eq "the element's timeout, as nft -j lists it" '"val": "192.0.2.10", "timeout": 3303,' \
    "$(nft -j list set inet fail2ban-mail ban4 | grep -o '"val": "192.0.2.10", "timeout": [0-9]*,')"

# 2. a flushed ruleset: check names it, the next run heals it, one line
nft flush ruleset
ok_rc "check after a flush: exit 1" 1 check
ok_eq "check names the table and every ban" "nft: table inet fail2ban-mail is missing
nft: 192.0.2.10 is banned but not in set ban4
nft: 203.0.113.5 is banned but not in set ban4
nft: 2001:db8::5 is banned but not in set ban6" "$(cat "$T/.out")"
ok_eq "the run after a flush says so once" "$CREATED" "$(run 2>&1)"
ok_eq "flush healed" "$FULL" "$(table)"
ok_eq "the next run prints nothing" "" "$(run 2>&1)"

# 3. a deleted set (its rules first: a set in use cannot go)
nft flush chain inet fail2ban-mail input
nft delete set inet fail2ban-mail ban6
ok_rc "check of a deleted set: exit 1" 1 check
ok_eq "check names the set, its ban and both rules" "nft: set ban6 is missing from table inet fail2ban-mail
nft: 2001:db8::5 is banned but not in set ban6
nft: the rule for set ban4 is missing from chain input
nft: the rule for set ban6 is missing from chain input" "$(cat "$T/.out")"
ok_eq "the run reports the repair in one line" "mailban: nft: repaired table inet fail2ban-mail: set ban6 is missing from table inet fail2ban-mail; the rule for set ban4 is missing from chain input; the rule for set ban6 is missing from chain input" \
    "$(run 2>&1)"
ok_eq "deleted set healed" "$FULL" "$(table)"
ok_eq "the run counts 1 added" "1|0" "$(last)"
ok_eq "then quiet" "" "$(run 2>&1)"

# 4. a foreign element, a foreign rule: removed, reported once
nft add element inet fail2ban-mail ban4 '{ 198.51.100.7 }'
nft add rule inet fail2ban-mail input tcp dport 22 accept
ok_rc "check of a foreign element and rule: exit 1" 1 check
ok_eq "check names both" 'nft: a rule in chain input that is not mailban'"'"'s: [{"match":{"left":{"payload":{"field":"dport","protocol":"tcp"}},"op":"==","right":22}},{"accept":null}]
nft: 198.51.100.7 is in set ban4 but mailban did not add it' "$(cat "$T/.out")"
ok_eq "the run removes them, one line" 'mailban: nft: repaired table inet fail2ban-mail: a rule in chain input that is not mailban'"'"'s: [{"match":{"left":{"payload":{"field":"dport","protocol":"tcp"}},"op":"==","right":22}},{"accept":null}]; 198.51.100.7 is in set ban4 but mailban did not add it' \
    "$(run 2>&1)"
ok_eq "foreign element and rule gone" "$FULL" "$(table)"
ok_eq "then quiet" "" "$(run 2>&1)"

# 5. a chain mailban never makes: the table is rebuilt in the same transaction
nft add chain inet fail2ban-mail other
ok_rc "check of a foreign chain: exit 1" 1 check
ok_eq "check names it" "nft: table inet fail2ban-mail holds chain other, which mailban never makes" \
    "$(cat "$T/.out")"
ok_eq "the run rebuilds, one line" "mailban: nft: repaired table inet fail2ban-mail: table inet fail2ban-mail holds chain other, which mailban never makes" \
    "$(run 2>&1)"
ok_eq "rebuilt table" "$FULL" "$(table)"

# 5b. another inet table of the same shape (its own ban4, chain input and
# elements) is neither read as mailban's nor touched
nft -f - <<'EOF'
table inet other {
	set ban4 { type ipv4_addr; flags timeout; elements = { 198.51.100.77 timeout 1h comment "mailban" } }
	chain input { type filter hook input priority filter - 1; policy accept; ip saddr @ban4 drop; }
}
EOF
OTHER=$(nft list table inet other | sed 's/ expires [0-9dhms]*//g')
ok_rc "check beside another inet table: exit 0" 0 check
ok_eq "and prints nothing" "" "$(cat "$T/.out")"
ok_eq "the run beside it prints nothing" "" "$(run 2>&1)"
ok_eq "mailban's table unchanged" "$FULL" "$(table)"
ok_eq "the other table untouched" "$OTHER" "$(nft list table inet other | sed 's/ expires [0-9dhms]*//g')"
nft delete table inet other

# 5c. an element mailban cannot read (a catch-all in ban4, an IPv4-mapped
# address in ban6): the table is rebuilt in the same transaction, said
# once, and the runs after are quiet
nft add element inet fail2ban-mail ban4 '{ * }'
ok_rc "check of a catch-all element: exit 1" 1 check
ok_eq "check names the set" "nft: set ban4 holds an element that is not a plain IPv4 address (such as * or ::ffff:a.b.c.d)
nft: 192.0.2.10 is banned but not in set ban4
nft: 203.0.113.5 is banned but not in set ban4" "$(cat "$T/.out")"
ok_eq "the run rebuilds for a catch-all, one line" "mailban: nft: repaired table inet fail2ban-mail: set ban4 holds an element that is not a plain IPv4 address (such as * or ::ffff:a.b.c.d)" \
    "$(run 2>&1)"
ok_eq "catch-all gone" "$FULL" "$(table)"
ok_eq "then quiet after the catch-all" "" "$(run 2>&1)"
nft add element inet fail2ban-mail ban6 '{ ::ffff:192.0.2.1 }'
ok_eq "the run rebuilds for an IPv4-mapped element, one line" "mailban: nft: repaired table inet fail2ban-mail: set ban6 holds an element that is not a plain IPv6 address (such as * or ::ffff:a.b.c.d)" \
    "$(run 2>&1)"
ok_eq "IPv4-mapped element gone" "$FULL" "$(table)"
ok_eq "then quiet after the IPv4-mapped element" "" "$(run 2>&1)"
ok_rc "and in sync" 0 check

# 6. maxbans 1: the oldest IPv4 ban only (ties by address), IPv6 apart
sed -i 's|^maxbans .*|maxbans = 1|' "$CONF"
ok_eq "maxbans warns once per run" "mailban: nft: 2 IPv4 addresses to ban but maxbans is 1; only the first 1 are banned (raise maxbans)" \
    "$(run 2>&1)"
ok_eq "maxbans: one IPv4 element, the IPv6 one kept" "$TAB
$SETS4
		elements = { 192.0.2.10 timeout 55m3s comment \"mailban\" }
	}

$SETS6
$E6
	}

$CHAIN
$RULE4
$RULE6
	}
}" "$(table)"
sed -i 's|^maxbans .*|maxbans = 10000|' "$CONF"
ok_eq "maxbans raised: quiet" "" "$(run 2>&1)"
ok_eq "maxbans raised: both back" "$FULL" "$(table)"

# 7. a longer ban of a banned address: its element's timeout follows
ok_eq "ban --for 1d prints nothing" "" \
    "$("$MAILBAN" ban 203.0.113.5 --for 1d -c "$CONF" --now $NOW 2>&1)"
ok_eq "its element now expires in a day" "$TAB
$SETS4
		elements = { 192.0.2.10 timeout 55m3s comment \"mailban\", 203.0.113.5 timeout 1d comment \"mailban\" }
	}

$SETS6
$E6
	}

$CHAIN
$RULE4
$RULE6
	}
}" "$(table)"
ok_rc "check after the longer ban: in sync" 0 check
nft delete element inet fail2ban-mail ban4 '{ 203.0.113.5 }'
nft add element inet fail2ban-mail ban4 '{ 203.0.113.5 timeout 1h comment "mailban" }'
ok_rc "check of an element that expires too early: exit 1" 1 check
ok_eq "check names its expiry" "nft: 203.0.113.5 expires in Ns in set ban4 but its ban ends in 86400s" \
    "$(sed 's/expires in [0-9]*s/expires in Ns/' "$T/.out")"
ok_eq "a refreshed expiry is no repair: quiet" "" "$(run 2>&1)"
ok_rc "and in sync again" 0 check

# 8. the kernel lifts a ban on time, mailban not running
ok_eq "a 2 s ban prints nothing" "" \
    "$("$MAILBAN" ban 198.51.100.20 --for 2s -c "$CONF" --now $NOW 2>&1)"
ok_eq "its element has a 2 s timeout" '"val": "198.51.100.20", "timeout": 2,' \
    "$(nft -j list set inet fail2ban-mail ban4 | grep -o '"val": "198.51.100.20", "timeout": [0-9]*,')"
sleep 3
ok_eq "3 s later the kernel has removed it" "" \
    "$(nft list set inet fail2ban-mail ban4 | grep -o 198.51.100.20)"
ok_eq "the other elements stay" "192.0.2.10
203.0.113.5" "$(nft -j list set inet fail2ban-mail ban4 | grep -o '"val": "[0-9.]*"' | cut -d'"' -f4)"

# 8b. a ban longer than nft's timeouts (9 digits of seconds are "value too
#     large" for nft 1.0.6): its element has no timeout (mailban deletes
#     it when the ban ends), every transaction still applies, no churn
#     (30 s later: the 2 s ban is over)
N8=2026-11-26T10:05:30Z
ok_eq "ban --for 4y prints nothing" "" \
    "$("$MAILBAN" ban 198.51.100.30 --for 4y -c "$CONF" --now $N8 2>&1)"
ok_eq "its element has no timeout" '198.51.100.30 comment "mailban"' \
    "$(nft list set inet fail2ban-mail ban4 | grep -o '198.51.100.30 [^,}]*')"
ok_eq "the next run is quiet and changes nothing" "|0|0" "$(run $N8 2>&1)|$(last)"
ok_rc "check: in sync" 0 check $N8
ok_eq "unbanned: quiet" "" "$("$MAILBAN" unban 198.51.100.30 -c "$CONF" --now $N8 2>&1)"
ok_eq "its element is gone" "" "$(nft list set inet fail2ban-mail ban4 | grep -o 198.51.100.30)"

# 9. nft -> chain (30 s later: the 2 s ban is over): the table goes in the
# same run, nothing of it is left
NOW=2026-11-26T10:05:30Z
backend chain
ok_eq "migration to chain prints nothing" "" "$(run 2>&1)"
ok_eq "no inet table left" "" "$(nft list tables inet)"
ok_eq "iptables: the chain and the jump" ":fail2ban-mail - [0:0]
-A INPUT -p tcp -m multiport --dports 25,465,587 -j fail2ban-mail
-A fail2ban-mail -s 192.0.2.10/32 -p tcp -j REJECT --reject-with tcp-reset
-A fail2ban-mail -s 203.0.113.5/32 -p tcp -j REJECT --reject-with tcp-reset" "$(chain4)"
ok_eq "ip6tables: the chain and the jump" ":fail2ban-mail - [0:0]
-A INPUT -p tcp -m multiport --dports 25,465,587 -j fail2ban-mail
-A fail2ban-mail -s 2001:db8::5/128 -p tcp -j REJECT --reject-with tcp-reset" "$(chain6)"
ok_rc "check with backend = chain: exit 0" 0 check
ok_eq "check with backend = chain prints nothing" "" "$(cat "$T/.out")"

# a table left by nft is named by check under another backend
nft add table inet fail2ban-mail
ok_rc "check of a left table: exit 1" 1 check
ok_eq "check names the left table" "nft: table inet fail2ban-mail is left from backend = nft" \
    "$(cat "$T/.out")"
ok_eq "the run removes it quietly" "" "$(run 2>&1)"
ok_eq "no inet table" "" "$(nft list tables inet)"

# 10. chain -> nft: chain, jumps go in the same run
backend nft
ok_rc "check before the migration to nft: exit 1" 1 check
ok_eq "check names what chain left and what nft lacks" "iptables: chain fail2ban-mail is left from backend = chain or ipset
ip6tables: chain fail2ban-mail is left from backend = chain or ipset
nft: table inet fail2ban-mail is missing
nft: 192.0.2.10 is banned but not in set ban4
nft: 203.0.113.5 is banned but not in set ban4
nft: 2001:db8::5 is banned but not in set ban6" "$(cat "$T/.out")"
ok_eq "migration to nft says it created the table" "$CREATED" "$(run 2>&1)"
ok_eq "no iptables chain or jump left" "" "$(chain4; chain6)"
ok_eq "the table after migration" "$TAB
$SETS4
		elements = { 192.0.2.10 timeout 54m33s comment \"mailban\", 203.0.113.5 timeout 23h59m30s comment \"mailban\" }
	}

$SETS6
		elements = { 2001:db8::5 timeout 54m33s comment \"mailban\" }
	}

$CHAIN
$RULE4
$RULE6
	}
}" "$(table)"
ok_rc "check after migration: exit 0" 0 check
ok_eq "check after migration prints nothing" "" "$(cat "$T/.out")"

# 11. nft -> ipset -> nft: the sets and their rules go too
backend ipset
ok_eq "migration to ipset prints nothing" "" "$(run 2>&1)"
ok_eq "no inet table with ipset" "" "$(nft list tables inet)"
ok_eq "the ipset sets" "fail2ban-mail
fail2ban-mail6" "$(ipset list -n | sort)"
backend nft
ok_eq "migration from ipset says it created the table" "$CREATED" "$(run 2>&1)"
ok_eq "no ipset set left" "" "$(ipset list -n)"
ok_eq "no iptables chain or jump left after ipset" "" "$(chain4; chain6)"
ok_rc "check after the migration from ipset: exit 0" 0 check

# 12. native nft rules in table ip filter (iptables-save cannot print it):
# no concern of backend = nft, which goes on quietly
nft add table ip filter
nft add chain ip filter INPUT '{ type filter hook input priority filter; policy accept; }'
nft add rule ip filter INPUT ct state established,related accept
ok_eq "a run beside an incompatible ip filter table prints nothing" "" \
    "$("$MAILBAN" ban 198.51.100.30 -c "$CONF" --now $NOW 2>&1)"
ok_eq "and bans" "198.51.100.30" \
    "$(nft -j list set inet fail2ban-mail ban4 | grep -o '"val": "198.51.100.30"' | cut -d'"' -f4)"
ok_rc "check beside an incompatible ip filter table: exit 0" 0 check
ok_eq "check beside an incompatible ip filter table prints nothing" "" "$(cat "$T/.out")"
"$MAILBAN" unban 198.51.100.30 -c "$CONF" --now $NOW
nft delete table ip filter

# 13. stop removes the table and pauses; runs keep it away, start puts it back
ok_eq "stop prints nothing" "" "$("$MAILBAN" stop -c "$CONF" 2>&1)"
ok_eq "stop: no table" "" "$(nft list tables inet)"
ok_eq "stop: no chain" "" "$(chain4; chain6)"
ok_eq "the run after stop is quiet" "" "$(run 2>&1)"
ok_eq "paused: still no table" "" "$(nft list tables inet)"
ok_eq "start puts it back" "$CREATED" "$("$MAILBAN" start -c "$CONF" --now "$NOW" 2>&1)"
ok_eq "start: the table again" "table inet fail2ban-mail" "$(nft list tables inet)"
ok_eq "stop again" "" "$("$MAILBAN" stop -c "$CONF" 2>&1)"
ok_eq "stop with no table prints nothing" "" "$("$MAILBAN" stop -c "$CONF" 2>&1)"
