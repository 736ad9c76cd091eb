#!/bin/sh
# t82-firewall-foreign.sh -- someone else's hand on the filter table, as
# root inside `unshare -n` with the real iptables-nft, ip6tables-nft and nft
# (the tool paths point at the -nft variants, so the test means the same on
# a host whose default iptables is legacy):
#  1. a native nft rule in table ip filter makes iptables-save print only
#     "# Table `filter' is incompatible": the run changes nothing, says what
#     is wrong in one line, records the failed step and exits 1; once the
#     rule is gone the next run heals;
#  2. foreign rules that iptables-nft cannot delete by their saved spelling
#     (-m recent, in the chain and on a jump to it) are deleted by position:
#     the bans go in, the foreign rules are reported once, counters of the
#     rules that stay are kept.
. tests/lib.sh
need_root_netns "$@"
for t in iptables-nft iptables-nft-save iptables-nft-restore ip6tables-nft-save \
    ip6tables-nft-restore nft; do
	if [ ! -x "/usr/sbin/$t" ]; then
		echo "not ok 1 - /usr/sbin/$t missing (apt-get install iptables nftables)"; exit 1
	fi
done

D=$T/state; mkdir -p "$D"; chmod 700 "$D"
LOG=$T/mail.log; DB=$D/mailban.db; CONF=$T/mailban.conf
sed -e "s|^logpath .*|logpath = $LOG|" -e "s|^database .*|database = $DB|" \
    -e 's|^maxretry .*|maxretry = 3|' -e 's|^port .*|port = 25|' \
    -e 's|^\(ip6*tables\)_\(save\|restore\) .*|\1_\2 = /usr/sbin/\1-nft-\2|' \
    conf/mailban.conf > "$CONF"
chmod 600 "$CONF"

n=0
fail() {
	n=$((n + 1))
	relaying "$n" "$1" "$2"
}
run() { "$MAILBAN" run -c "$CONF" --now "2026-11-26T$1Z"; }
q() { sqlite3 "$DB" "$1"; }
ipt() { /usr/sbin/iptables-nft "$@"; }
chain4() { /usr/sbin/iptables-nft-save -t filter | grep -E '^-A (fail2ban-mail|INPUT)' ; }
jumps() { nft list chain ip filter INPUT 2>/dev/null | grep -c 'jump fail2ban-mail'; }
rules() { nft list chain ip filter fail2ban-mail 2>/dev/null | grep -c 'saddr'; }
R4='-p tcp -j REJECT --reject-with tcp-reset'
JUMP='-A INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail'

for a in 192.0.2.7 192.0.2.8 203.0.113.5 198.51.100.9; do
	fail 10:00:01 $a; fail 10:00:02 $a; fail 10:00:03 $a
done > "$LOG"
ok_eq "first run prints nothing" "" "$(run 10:01:00 2>&1)"
ok_eq "first run: one jump, four ban rules" "1 4" "$(jumps) $(rules)"

# 1. a native nft rule in the filter table: iptables-save cannot print it
nft add rule ip filter INPUT ct state established,related accept
ok_eq "iptables-save says the table is incompatible" \
    "# Table \`filter' is incompatible, use 'nft' tool." \
    "$(/usr/sbin/iptables-nft-save -t filter | grep -v '^# \(Generated\|Completed\)')"
for m in 02 03 04; do
	ok_rc "run at 10:$m with an incompatible table: exit 1" 1 run 10:$m:00
	cp "$T/.out" "$T/out.$m"
done
ok_eq "the one line that says what is wrong and what to do" \
    "mailban: iptables-save: table filter is incompatible (native nft rules were added to it); mailban changed nothing; move those rules to a table of their own (nft list table ip filter shows them)" \
    "$(cat "$T/out.02")"
ok_eq "said once: the next runs are quiet" "" "$(cat "$T/out.03" "$T/out.04")"
ok_eq "after three runs: still one jump, four ban rules" "1 4" "$(jumps) $(rules)"
ok_eq "each run recorded the failed firewall step" "3" \
    "$(q "select count(*) from runs where status like 'firewall failed%'")"
ok_rc "check with an incompatible table: exit 1" 1 \
    "$MAILBAN" check -c "$CONF" --now 2026-11-26T10:04:00Z
ok_eq "check says the same" \
    "mailban: iptables-save: table filter is incompatible (native nft rules were added to it); mailban changed nothing; move those rules to a table of their own (nft list table ip filter shows them)" \
    "$(cat "$T/.out")"
h=$(nft -a list chain ip filter INPUT 2>/dev/null | sed -n 's/.*ct state established,related accept # handle \([0-9]*\)$/\1/p')
nft delete rule ip filter INPUT handle "$h"
ok_eq "without the native rule the run is clean again" "mailban: firewall: resolved" "$(run 10:05:00 2>&1)"
ok_eq "... and ok" "ok" "$(q 'select status from runs order by id desc limit 1')"
ok_eq "the chain as before" "$JUMP
-A fail2ban-mail -s 192.0.2.7/32 $R4
-A fail2ban-mail -s 192.0.2.8/32 $R4
-A fail2ban-mail -s 198.51.100.9/32 $R4
-A fail2ban-mail -s 203.0.113.5/32 $R4" "$(chain4)"

# The same for ip6tables; the IPv4 side is still reconciled.
nft add rule ip6 filter INPUT ct state established,related accept
ok_rc "run with an incompatible ip6 table: exit 1" 1 run 10:05:30
ok_eq "... one line, for ip6tables" \
    "mailban: ip6tables-save: table filter is incompatible (native nft rules were added to it); mailban changed nothing; move those rules to a table of their own (nft list table ip6 filter shows them)" \
    "$(cat "$T/.out")"
ok_eq "... still one ip6 jump" "1" \
    "$(nft list chain ip6 filter INPUT 2>/dev/null | grep -c 'jump fail2ban-mail')"
h=$(nft -a list chain ip6 filter INPUT 2>/dev/null | sed -n 's/.*ct state established,related accept # handle \([0-9]*\)$/\1/p')
nft delete rule ip6 filter INPUT handle "$h"
ok_eq "without it the run is clean again" "mailban: firewall: resolved" "$(run 10:05:40 2>&1)"

# 2. rules iptables-nft cannot delete as saved: in the chain and on a jump
ipt -F fail2ban-mail
ipt -A fail2ban-mail -m recent --name probe --set
ipt -A fail2ban-mail -s 192.0.2.7/32 $R4 -c 7 700
ipt -A fail2ban-mail -m recent --name probe2 --rcheck --seconds 60 -j DROP
ipt -D INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail
ipt -A INPUT -p tcp -m recent --name mx --rcheck -j fail2ban-mail
ipt -A INPUT -i lo -j ACCEPT
ipt -I INPUT 1 -p tcp -m tcp --dport 25 -j fail2ban-mail -c 3 300
ok_eq "such a rule cannot be deleted as saved (the reason for positions)" \
    "iptables-nft-restore: line 2 failed: Bad rule (does a matching rule exist in that chain?)." \
    "$(/usr/sbin/iptables-nft-save -t filter | grep -- '-m recent --set' |
      sed 's/^-A/-D/' | { echo '*filter'; cat; echo COMMIT; } |
      /usr/sbin/iptables-nft-restore -w --noflush 2>&1 | sed 's/^[^:]*restore:/iptables-nft-restore:/')"
run 10:06:00 > "$T/run.out" 2>&1; rc=$?
ok_eq "the run with foreign rules: exit 0" "0" "$rc"
ok_eq "each foreign rule reported once, one line each" \
"mailban: iptables: removed a rule that is not mailban's from INPUT: -A INPUT -p tcp -m recent --rcheck --name mx --mask 255.255.255.255 --rsource -j fail2ban-mail
mailban: iptables: removed a rule that is not mailban's from fail2ban-mail: -A fail2ban-mail -m recent --set --name probe --mask 255.255.255.255 --rsource
mailban: iptables: removed a rule that is not mailban's from fail2ban-mail: -A fail2ban-mail -m recent --rcheck --seconds 60 --name probe2 --mask 255.255.255.255 --rsource -j DROP" \
    "$(cat "$T/run.out")"
ok_eq "four bans stored, four rules, one jump" "4 4 1" \
    "$(q 'select count(*) from bans where lifted is null') $(rules) $(jumps)"
ok_eq "the chain holds only the bans" "$JUMP
-A INPUT -i lo -j ACCEPT
-A fail2ban-mail -s 192.0.2.7/32 $R4
-A fail2ban-mail -s 192.0.2.8/32 $R4
-A fail2ban-mail -s 198.51.100.9/32 $R4
-A fail2ban-mail -s 203.0.113.5/32 $R4" "$(chain4)"
ok_eq "the kept rules kept their counters" "[3:300] $JUMP
[7:700] -A fail2ban-mail -s 192.0.2.7/32 $R4" \
    "$(/usr/sbin/iptables-nft-save -c -t filter | grep -v '^\[0:0\]' | grep -E '^\[.*-A (fail2ban-mail|INPUT)')"
ok_eq "the run is recorded ok" "ok" "$(q 'select status from runs order by id desc limit 1')"
ok_eq "the next run prints nothing (reported once)" "" "$(run 10:07:00 2>&1)"
ok_eq "... and changes nothing" "0|0" \
    "$(q 'select added, removed from runs order by id desc limit 1')"
ok_rc "check agrees: exit 0" 0 "$MAILBAN" check -c "$CONF" --now 2026-11-26T10:07:00Z
ok_eq "check prints nothing" "" "$(cat "$T/.out")"

# 3. stop removes a jump it cannot delete as saved
ipt -A INPUT -p tcp -m recent --name mx --rcheck -j fail2ban-mail
ok_rc "stop with a foreign jump: exit 0" 0 "$MAILBAN" stop -c "$CONF"
ok_eq "stop: no chain, no jump" "-A INPUT -i lo -j ACCEPT" "$(chain4)"
