#!/bin/sh
# t73-quiet.sh -- never silent, never noisy, as root inside `unshare -n`
# with the real iptables/ip6tables and a real SQLite file:
#   - usage errors: one line each (getopt's own message is not printed)
#   - config --check: the log source, the firewall tools, the blocktype
#     (iptables-restore --test)
#   - run: a log source that cannot be read is said once when it starts,
#     again when it changes or a day later, once when it clears
#     ("resolved"); the state is in meta; exit status stays 1
#   - status: the pause, the problems, the source and its last read first
#   - stop sticks until start; logpath = auto (in a private mount
#     namespace, over a tmpfs /var/log)
# The syslog lines are caught on a socket bound over /dev/log (as t60).
. tests/lib.sh
need_root_netns "$@"

D=$T/state; mkdir -p "$D"; chmod 700 "$D"
LOG=$T/mail.log; DB=$D/mailban.db; CONF=$T/mailban.conf
mkconf() {	# mkconf LOGPATH [sed expressions...]
	lp=$1; shift
	sed -e "s|^logpath .*|logpath = $lp|" -e "s|^database .*|database = $DB|" \
	    -e 's|^maxretry .*|maxretry = 3|' -e 's|^port .*|port = 25|' "$@" \
	    conf/mailban.conf > "$CONF"
	chmod 600 "$CONF"
}
DAY="Nov 26"
fail() {	# fail TIME ADDR N (on $DAY)
	printf '%s %s mx sm-mta[%d]: 5AQA%04dq0%05d: ruleset=check_rcpt, arg1=<u%d@example.org>, relay=[%s], reject=550 5.7.1 <u%d@example.org>... Relaying denied. Proper authentication required.\n' \
	    "$DAY" "$1" $((1000 + $3)) "$3" "$3" "$3" "$2" "$3"
}
run() { "$MAILBAN" run -c "$CONF" --now "$1"; }
q() { sqlite3 "$DB" "$1"; }
# out CMD...: its stdout and stderr, then "|rc=STATUS"
out() { o=$("$@" 2>&1); r=$?; printf '%s|rc=%s' "$o" "$r"; }
chain4() { iptables-save -t filter | grep -E '^-A (fail2ban-mail|INPUT)' ; }


# 1. usage errors: one line, the right one, for every command
ok_eq "run -c: one line" 'mailban: run: option "-c" needs an argument (see mailban --help)
rc=64' "$("$MAILBAN" run -c 2>&1; echo "rc=$?")"
ok_eq "status --now: one line" 'mailban: status: option "--now" needs an argument (see mailban --help)
rc=64' "$("$MAILBAN" status --now 2>&1; echo "rc=$?")"
ok_eq "config -x: unknown" 'mailban: config: unknown option "-x" (see mailban --help)
rc=64' "$("$MAILBAN" config -x 2>&1; echo "rc=$?")"
ok_eq "stop --bogus: unknown" 'mailban: stop: unknown option "--bogus" (see mailban --help)
rc=64' "$("$MAILBAN" stop --bogus 2>&1; echo "rc=$?")"
ok_eq "ban -c: one line" 'mailban: ban: option "-c" needs an argument (see mailban --help)
rc=64' "$("$MAILBAN" ban 192.0.2.1 -c 2>&1; echo "rc=$?")"
ok_eq "test --filter: one line" 'mailban: test: option "--filter" needs an argument (see mailban --help)
rc=64' "$("$MAILBAN" test --filter 2>&1; echo "rc=$?")"
ok_eq "report -c: one line" 'mailban: report: option "-c" needs an argument (see mailban --help)
rc=64' "$("$MAILBAN" report -c 2>&1; echo "rc=$?")"

# 2. config --check: the log source
chk() { "$MAILBAN" config --check -c "$CONF" 2>&1; echo "rc=$?"; }
: > "$LOG"
mkconf "$LOG"
ok_eq "check: a readable log" "configuration OK
rc=0" "$(chk)"
mkconf "$T/mail.lgo"
ok_eq "check: a misspelt logpath" "mailban: logpath $T/mail.lgo: no such file (check the spelling; without rsyslog, sendmail logs to the journal: write logpath = journal, or auto)
rc=78" "$(chk)"
mkconf "$LOG $T/other.log"
ok_eq "check: two paths in one logpath, each checked" "mailban: logpath $T/other.log: no such file (check the spelling; without rsyslog, sendmail logs to the journal: write logpath = journal, or auto)
rc=78" "$(chk)"
printf '\037\213\010\000' > "$T/mail.log.2.gz"
mkconf "$T/mail.log.2.gz"
ok_eq "check: a .gz logpath" "mailban: logpath $T/mail.log.2.gz: a compressed file cannot be followed (write the live log, such as /var/log/mail.log; read old .gz logs with mailban scan)
rc=78" "$(chk)"
mkconf "$T"
ok_eq "check: a directory as logpath" "mailban: logpath $T: not a regular file (write the path of the log file, such as /var/log/mail.log)
rc=78" "$(chk)"
mkconf journal -e 's|^journalctl .*|journalctl = /nonexistent/journalctl|'
ok_eq "check: journal without journalctl" "mailban: journalctl /nonexistent/journalctl: not found (install systemd, or set journalctl = PATH)
rc=78" "$(chk)"

# the firewall tools and the blocktype
mkconf "$LOG" -e 's|^iptables_restore .*|iptables_restore = /nonexistent/iptables-restore|'
ok_eq "check: iptables-restore missing" "mailban: iptables_restore /nonexistent/iptables-restore: not found (install iptables, or set iptables_restore = PATH)
rc=78" "$(chk)"
mkconf "$LOG" -e 's|^blocktype .*|blocktype = REJECT --reject-with tcp-bogus|'
ok_eq "check: a blocktype iptables refuses" "mailban: iptables-restore --test exited 2: iptables-restore v1.8.9 (nf_tables): unknown reject type \"tcp-bogus\"; blocktype \"REJECT --reject-with tcp-bogus\" is refused (fix blocktype)
rc=78" "$(chk)"
ok_eq "check: --test changed nothing" "" "$(iptables-save -t filter | grep mailban)"

# 3. run: quiet, not silent
rm -f "$DB"
mkconf "$T/nodir/mail.log"
P1="logpath $T/nodir/mail.log: directory $T/nodir does not exist (check the spelling; without rsyslog, sendmail logs to the journal: write logpath = journal, or auto)"
ok_eq "first failing run says it once (stderr and syslog)" "<27>$P1" \
    "$(syslog "$MAILBAN" run -c "$CONF" --now 2026-11-26T10:00:00Z)"
ok_eq "... on stderr" "mailban: $P1|rc=1" "$(cat "$T/cmd.out")|rc=$(cat "$T/cmd.rc")"
ok_eq "... state in meta" "1795687200 1795687200 $P1" "$(q "select value from meta where key = 'problem.source'")"
ok_eq "second identical run prints nothing, exits 1" "|rc=1" "$(out run 2026-11-26T10:01:00Z)"
ok_eq "... the firewall step still ran" "-A INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail" "$(chain4)"
ok_eq "a day later it is said again" "mailban: $P1|rc=1" "$(out run 2026-11-27T10:00:00Z)"
ok_eq "... and not the minute after" "|rc=1" "$(out run 2026-11-27T10:01:00Z)"
ok_eq "... state kept: since, said" "1795687200 1795773600" \
    "$(q "select value from meta where key = 'problem.source'" | cut -d' ' -f1,2)"
mkdir -p "$T/nodir/mail.log"
P2="$T/nodir/mail.log: not a regular file"
ok_eq "another problem is said at once" "mailban: $P2; the firewall still follows the database (fix the log; the next run reads on from the saved position)|rc=1" \
    "$(out run 2026-11-27T10:02:00Z)"
ok_eq "status: the problem first" "problem since 2026-11-27T10:02:00Z: $P2; the firewall still follows the database (fix the log; the next run reads on from the saved position)
source: $T/nodir/mail.log (logpath)
last read: never
active bans at 2026-11-27T10:03:00Z: 0" "$("$MAILBAN" status -c "$CONF" --now 2026-11-27T10:03:00Z | head -4)"
rmdir "$T/nodir/mail.log"
DAY="Nov 27"
{ fail 10:00:01 192.0.2.21 1; fail 10:00:02 192.0.2.21 2; fail 10:00:03 192.0.2.21 3; } > "$T/nodir/mail.log"
ok_eq "when it clears: one line, stderr and syslog" "<29>ban 192.0.2.21 (sendmail-reject) from 2026-11-27T10:00:03Z until 2026-11-27T11:00:03Z, 3 failures
<29>log source: resolved" \
    "$(syslog "$MAILBAN" run -c "$CONF" --now 2026-11-27T10:04:00Z)"
ok_eq "... on stderr, exit 0" "mailban: log source: resolved|rc=0" "$(cat "$T/cmd.out")|rc=$(cat "$T/cmd.rc")"
ok_eq "... meta cleared" "" "$(q "select value from meta where key = 'problem.source'")"
ok_eq "then a clean run prints nothing" "|rc=0" "$(out run 2026-11-27T10:05:00Z)"
ok_eq "status: source and its last read" "source: $T/nodir/mail.log (logpath)
last read: 2026-11-27T10:05:00Z" "$("$MAILBAN" status -c "$CONF" --now 2026-11-27T10:06:00Z | head -2)"
ok_eq "--now everywhere: the position's read time" "read at 2026-11-27T10:05:00Z" \
    "$("$MAILBAN" status -c "$CONF" --now 2026-11-27T10:06:00Z | sed -n 's/^log .*, //p')"

# a failing firewall: said once, resolved once
printf '#!/bin/sh\necho "iptables-restore: broken" >&2\nexit 4\n' > "$T/broken-restore"; chmod 755 "$T/broken-restore"
sed -i -e "s|^iptables_restore .*|iptables_restore = $T/broken-restore|" "$CONF"
iptables -F fail2ban-mail
F1="iptables-restore exited 4: iptables-restore: broken; chain left unchanged"
ok_eq "firewall failing: said once" "mailban: $F1|rc=1" "$(out run 2026-11-27T10:07:00Z)"
ok_eq "firewall failing: then quiet" "|rc=1" "$(out run 2026-11-27T10:08:00Z)"
mkconf "$T/nodir/mail.log"
ok_eq "firewall fixed: resolved, and the heal in syslog" "<29>iptables: 1 rule restored to fail2ban-mail
<29>firewall: resolved" \
    "$(syslog "$MAILBAN" run -c "$CONF" --now 2026-11-27T10:09:00Z)"
ok_eq "... the rule is back" "-A INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail
-A fail2ban-mail -s 192.0.2.21/32 -p tcp -j REJECT --reject-with tcp-reset" "$(chain4)"
iptables -D INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail
ok_eq "a deleted jump restored: one syslog line, nothing on stderr" "<29>iptables: the jump from INPUT to fail2ban-mail restored|" \
    "$(syslog "$MAILBAN" run -c "$CONF" --now 2026-11-27T10:10:00Z)|$(cat "$T/cmd.out")"

iptables -D INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail; iptables -F fail2ban-mail; iptables -X fail2ban-mail
ok_eq "the chain deleted (a reboot): one syslog line says what came back" \
    "<29>iptables: chain fail2ban-mail recreated, the jump from INPUT to fail2ban-mail restored, 1 rule restored to fail2ban-mail|" \
    "$(syslog "$MAILBAN" run -c "$CONF" --now 2026-11-27T10:10:30Z)|$(cat "$T/cmd.out")"
ok_eq "a new ban is no heal" "<29>ban 192.0.2.23 (sendmail-reject) from 2026-11-27T10:10:33Z until 2026-11-27T11:10:33Z, 3 failures" \
    "$({ fail 10:10:31 192.0.2.23 11; fail 10:10:32 192.0.2.23 12; fail 10:10:33 192.0.2.23 13; } >> "$T/nodir/mail.log"
	syslog "$MAILBAN" run -c "$CONF" --now 2026-11-27T10:10:40Z)"

# config errors of a cron run go to syslog too
sed -i -e 's|^maxretry .*|maxretry = -3|' "$CONF"
ok_eq "config error in run: syslog" "<27>$CONF:$(grep -n '^maxretry' "$CONF" | cut -d: -f1): [DEFAULT] maxretry: \"-3\" is out of range (use 1 to 1000)" \
    "$(syslog "$MAILBAN" run -c "$CONF" --now 2026-11-27T10:11:00Z)"
ok_eq "... exit 78" "78" "$(cat "$T/cmd.rc")"
mkconf "$T/nodir/mail.log"

# 4. stop sticks until start
ok_eq "stop: exit 0, nothing printed" "|rc=0" "$(out "$MAILBAN" stop -c "$CONF" --now 2026-11-27T10:12:00Z)"
ok_eq "stop: chains gone" "" "$(chain4)"
ok_eq "stop: paused in meta" "1795774320" "$(q "select value from meta where key = 'paused'")"
ok_eq "paused run: quiet, exit 0" "|rc=0" "$(out run 2026-11-27T10:13:00Z)"
ok_eq "paused run: nothing applied" "" "$(chain4)"
ok_eq "a ban while paused: recorded, not applied" "|rc=0|1|" \
    "$(out "$MAILBAN" ban 192.0.2.24 -c "$CONF" --now 2026-11-27T10:13:10Z)|$(q "select count(*) from bans where address = '192.0.2.24'")|$(chain4)"
fail 10:13:00 192.0.2.22 4 >> "$T/nodir/mail.log"
ok_eq "paused run: failures still recorded" "1
paused since 2026-11-27T10:12:00Z" \
    "$(run 2026-11-27T10:14:00Z; q "select count(*) from failures where address = '192.0.2.22'"; q 'select status from runs order by id desc limit 1')" 
ok_eq "status: paused first" "paused since 2026-11-27T10:12:00Z (mailban start resumes)" \
    "$("$MAILBAN" status -c "$CONF" --now 2026-11-27T10:15:00Z | head -1)"
ok_eq "start: exit 0, nothing printed" "|rc=0" "$(out "$MAILBAN" start -c "$CONF" --now 2026-11-27T10:16:00Z)"
ok_eq "start: rules back at once" "-A INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail
-A fail2ban-mail -s 192.0.2.21/32 -p tcp -j REJECT --reject-with tcp-reset
-A fail2ban-mail -s 192.0.2.23/32 -p tcp -j REJECT --reject-with tcp-reset
-A fail2ban-mail -s 192.0.2.24/32 -p tcp -j REJECT --reject-with tcp-reset" "$(chain4)"
ok_eq "start: not paused any more" "" "$(q "select value from meta where key = 'paused'")"

# 5. logpath = auto (a private mount namespace with a tmpfs over /var/log)
cat > "$T/journalctl" <<'SH'
#!/bin/sh
exit 0
SH
chmod 755 "$T/journalctl"
mkconf auto -e "s|^journalctl .*|journalctl = $T/journalctl|"
auto() {	# auto SETUP: status's source line after SETUP in /var/log
	unshare -m sh -c 'mount -t tmpfs tmpfs /var/log && eval "$1" &&
	    "$2" status -c "$3" --now 2026-11-27T10:20:00Z | grep "^source:"' sh "$1" "$MAILBAN" "$CONF"
}
ok_eq "auto: no mail.log, the journal" "source: journal (logpath = auto: /var/log/mail.log does not exist)" "$(auto true)"
ok_eq "auto: mail.log written, the file" "source: /var/log/mail.log (logpath = auto: it exists and is being written)" \
    "$(auto 'echo x > /var/log/mail.log')"
ok_eq "auto: mail.log empty and old, the journal" "source: journal (logpath = auto: /var/log/mail.log is empty and was last written 2026-11-01T00:00:00Z)" \
    "$(auto ': > /var/log/mail.log; touch -d 2026-11-01T00:00:00Z /var/log/mail.log')"
ok_eq "auto: check passes with the journal" "configuration OK" \
    "$(unshare -m sh -c 'mount -t tmpfs tmpfs /var/log && "$1" config --check -c "$2"' sh "$MAILBAN" "$CONF" 2>&1)"
ok_eq "shipped config: logpath = auto" "logpath   = auto" "$(grep '^logpath' conf/mailban.conf)"

# 6. a log that never appears: waited for a day, then a problem
mkdir -p "$T/later"
mkconf "$T/later/mail.log"
A1="logpath $T/later/mail.log: no such file since 2026-11-28T10:00:00Z (check the spelling; without rsyslog, sendmail logs to the journal: write logpath = journal, or auto)"
ok_eq "absent log, first day: quiet, exit 0" "|rc=0" "$(out run 2026-11-28T10:00:00Z)"
ok_eq "... and still within the day" "|rc=0" "$(out run 2026-11-29T09:59:00Z)"
ok_eq "absent for a day: said, exit 1" "mailban: $A1|rc=1" "$(out run 2026-11-29T10:00:00Z)"
ok_eq "... then quiet" "|rc=1" "$(out run 2026-11-29T10:01:00Z)"
: > "$T/later/mail.log"
ok_eq "it appears: resolved" "mailban: log source: resolved|rc=0" "$(out run 2026-11-29T10:02:00Z)"
ok_eq "... the wait is forgotten" "" "$(q "select value from meta where key = 'log_absent'")"
echo "1..$TN"
