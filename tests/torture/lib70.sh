# lib70.sh -- sourced by tests/t70-*.sh (after tests/lib.sh) and by
# tests/torture/run.sh: a private config and database in $T, and sendmail
# failure lines with chosen times and addresses.
#   conf70 [KEY=VALUE...]  write $CONF (logpath $LOG, database $DB, maxretry
#                          3, findtime 10m, bantime 1h, port 25) with the
#                          keys given replaced; state directory $D (0700)
#   fail TIME ADDR [DAY]   one "Relaying denied" line, BSD time "Nov 26 TIME"
#                          (DAY replaces "Nov 26"), ADDR as sendmail writes it
#   run70 NOW [ARGS...]    mailban run -c $CONF --now NOW (RFC 3339 or epoch)
#   q SQL                  the sqlite3 CLI on $DB
#   chain4 / chain6        the -A lines of the chain and the INPUT jump
D=$T/state; LOG=$T/log/mail.log; DB=$D/mailban.db; CONF=$T/mailban.conf
mkdir -p "$D" "$T/log"; chmod 700 "$D"
R4='-p tcp -j REJECT --reject-with tcp-reset'
JUMP='-A INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail'

conf70() {
	sed -e "s|^logpath .*|logpath = $LOG|" -e "s|^database .*|database = $DB|" \
	    -e 's|^maxretry .*|maxretry = 3|' -e 's|^port .*|port = 25|' \
	    -e 's|^findtime .*|findtime = 10m|' -e 's|^bantime .*|bantime = 1h|' \
	    conf/mailban.conf > "$CONF.tmp"
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		sed -i "s|^$k *=.*|$k = $v|" "$CONF.tmp"
		grep -q "^$k = " "$CONF.tmp" || { echo "conf70: no key $k" >&2; return 1; }
	done
	chmod 600 "$CONF.tmp" && mv "$CONF.tmp" "$CONF"
}

fail_n=0
fail() {
	fail_n=$((fail_n + 1))
	printf '%s %s mx sm-mta[%d]: 5AQA%04dq0%05d: ruleset=check_rcpt, arg1=<u%d@example.org>, relay=[%s], reject=550 5.7.1 <u%d@example.org>... Relaying denied. Proper authentication required.\n' \
	    "${3:-Nov 26}" "$1" $((1000 + fail_n)) $((fail_n % 10000)) "$fail_n" "$fail_n" "$2" "$fail_n"
}
run70() { n70=$1; shift; "$MAILBAN" run -c "$CONF" --now "$n70" "$@"; }
q() { sqlite3 "$DB" "$1"; }
chain4() { iptables-save -t filter | grep -E '^-A (fail2ban-mail|INPUT)'; }
chain6() { ip6tables-save -t filter | grep -E '^-A (fail2ban-mail|INPUT)'; }
