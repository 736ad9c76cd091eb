#!/bin/sh
# t85-journal.sh -- logpath = journal end to end: `mailban run` reads
# journalctl's JSON after the cursor saved in the database (table meta),
# bans from it, and a second run reads only the new entries.  journalctl
# here is a stand-in that prints recorded `journalctl -o json` lines and
# honours --after-cursor (the real journald is exercised by test_journal);
# the firewall is the real one, in `unshare -n`.
. tests/lib.sh
need_root_netns "$@"
D=$T/state; mkdir -p "$D"
J=$T/journal.json
cat > "$T/journalctl" <<'SH'
#!/bin/sh
# Stand-in for journalctl: print the entries of $0.json after --after-cursor.
after=""
for a in "$@"; do case $a in --after-cursor=*) after=${a#--after-cursor=} ;; esac; done
if [ -z "$after" ]; then cat "$0.json"; exit 0; fi
# as the real one, refuse a cursor it cannot parse (here: not "s=ab;i=N")
case $after in "s=ab;i="*) ;; *) echo "Failed to seek to cursor: Invalid argument" >&2; exit 1 ;; esac
awk -v c="\"__CURSOR\":\"$after\"" 'found { print } index($0, c) { found = 1 }' "$0.json"
SH
chmod 755 "$T/journalctl"
# Who wrote it, as journald records it (trusted fields): sendmail's daemon
SM='"_UID":"0","_COMM":"sendmail-mta","_EXE":"/usr/lib/sm.bin/sendmail","_SYSTEMD_UNIT":"sendmail.service"'
entry() {	# entry N EPOCH ADDR [ORIGIN]
	printf '{"__CURSOR":"s=ab;i=%x","__REALTIME_TIMESTAMP":"%s000000","_HOSTNAME":"mx",%s,"SYSLOG_IDENTIFIER":"sm-mta","SYSLOG_PID":"%d","MESSAGE":"5AQA%04dq0%05d: ruleset=check_rcpt, arg1=<u@example.org>, relay=[%s], reject=550 5.7.1 <u@example.org>... Relaying denied. Proper authentication required."}\n' \
	    "$1" "$2" "${4:-$SM}" $((1000 + $1)) "$1" "$1" "$3"
}
T0=1795687200	# 2026-11-26T10:00:00Z
{ entry 1 $((T0 + 1)) 192.0.2.60; entry 2 $((T0 + 2)) 192.0.2.60
  echo '{"__CURSOR":"s=ab;i=99","__REALTIME_TIMESTAMP":"1795687203000000","SYSLOG_IDENTIFIER":"sm-mta","MESSAGE":null}'
  entry 3 $((T0 + 3)) 192.0.2.60; } > "$T/journalctl.json"
sed -e "s|^logpath .*|logpath = journal|" -e "s|^database .*|database = $D/mailban.db|" \
    -e 's|^maxretry .*|maxretry = 3|' -e 's|^port .*|port = 25|' \
    -e "s|^journalctl .*|journalctl = $T/journalctl|" conf/mailban.conf > "$T/mailban.conf"
grep -q "^journalctl = $T/journalctl" "$T/mailban.conf" || echo "journalctl = $T/journalctl" >> "$T/mailban.conf"
chmod 600 "$T/mailban.conf"
run() { "$MAILBAN" run -c "$T/mailban.conf" --now "2026-11-26T$1Z"; }
q() { sqlite3 "$D/mailban.db" "$1"; }

ok_eq "journal run prints nothing" "" "$(run 10:01:00 2>&1)"
ok_eq "failures from the journal, at the journal's times" "192.0.2.60|3|1795687201|1795687203" \
    "$(q 'select address, count(*), min(time), max(time) from failures group by address')"
ok_eq "cursor saved in the database" "s=ab;i=3" "$(q "select value from meta where key = 'journal_cursor'")"
ok_eq "banned from the journal" "1" \
    "$(iptables-save -t filter | grep -c '^-A fail2ban-mail -s 192.0.2.60/32')"
ok_eq "entry without a message counted as skipped" "1" "$(q 'select skipped from runs order by id desc limit 1')"
{ entry 4 $((T0 + 70)) 198.51.100.61; entry 5 $((T0 + 71)) 198.51.100.61; entry 6 $((T0 + 72)) 198.51.100.61; } >> "$T/journalctl.json"
run 10:02:00
ok_eq "second run reads only the new entries" "192.0.2.60|3
198.51.100.61|3" "$(q 'select address, count(*) from failures group by address order by address')"
ok_eq "cursor moved" "s=ab;i=6" "$(q "select value from meta where key = 'journal_cursor'")"
run 10:03:00
ok_eq "nothing new, nothing added" "6" "$(q 'select count(*) from failures')"

# Only sendmail speaks: `logger -t sm-mta` as nobody (what journald records
# for it: _UID 65534, _COMM logger, a session scope), and as root from a
# cron job, is not counted, whatever SYSLOG_IDENTIFIER says
NOBODY='"_UID":"65534","_COMM":"logger","_EXE":"/usr/bin/logger","_SYSTEMD_UNIT":"session-4.scope"'
ROOTCRON='"_UID":"0","_COMM":"logger","_EXE":"/usr/bin/logger","_SYSTEMD_UNIT":"cron.service"'
{ entry 7 $((T0 + 180)) 198.51.100.77 "$NOBODY"; entry 8 $((T0 + 181)) 198.51.100.77 "$NOBODY"
  entry 9 $((T0 + 182)) 198.51.100.77 "$NOBODY"; entry 10 $((T0 + 183)) 198.51.100.77 "$ROOTCRON"; } >> "$T/journalctl.json"
run 10:04:00
ok_eq "forged sm-mta entries: no failure" "0" "$(q "select count(*) from failures where address = '198.51.100.77'")"
ok_eq "forged sm-mta entries: no ban" "0" "$(iptables-save -t filter | grep -c 198.51.100.77)"
ok_eq "forged sm-mta entries: counted as skipped, the cursor moves on" "4|s=ab;i=a" \
    "$(q 'select skipped from runs order by id desc limit 1')|$(q "select value from meta where key = 'journal_cursor'")"

# A cursor journalctl refuses (damaged: its "s=" part) no longer stops every
# run: one warning, the entries after the cursor's time (its "t=" part)
# are read exactly once, the next run is quiet
q "update meta set value = 's=XX;i=a;t=$(printf %x $(((T0 + 183) * 1000000)))' where key = 'journal_cursor'"
{ entry 11 $((T0 + 240)) 203.0.113.80; entry 12 $((T0 + 241)) 203.0.113.80; entry 13 $((T0 + 242)) 203.0.113.80; } >> "$T/journalctl.json"
ok_rc "refused cursor: the run goes on, exit 0" 0 run 10:05:00
ok_eq "refused cursor: one warning naming it" "mailban: journal cursor \"s=XX;i=a;t=$(printf %x $(((T0 + 183) * 1000000)))\" refused by journalctl (Failed to seek to cursor: Invalid argument): reading the entries after its time, 2026-11-26T10:03:03Z" "$(cat "$T/.out")"
ok_eq "refused cursor: only the new entries, once" "192.0.2.60|3
198.51.100.61|3
203.0.113.80|3" "$(q 'select address, count(*) from failures group by address order by address')"
ok_eq "refused cursor: banned from the new entries" "1" "$(iptables-save -t filter | grep -c '^-A fail2ban-mail -s 203.0.113.80/32')"
ok_eq "refused cursor: replaced by journalctl's own" "s=ab;i=d" "$(q "select value from meta where key = 'journal_cursor'")"
ok_eq "refused cursor: the next run is quiet" "" "$(run 10:06:00 2>&1)"
# A cursor with no time at all: what is there is taken as read, not counted twice
q "update meta set value = 'garbage' where key = 'journal_cursor'"
ok_rc "cursor without a time: exit 0" 0 run 10:07:00
ok_eq "cursor without a time: one warning" "mailban: journal cursor \"garbage\" refused by journalctl (Failed to seek to cursor: Invalid argument) and it holds no time: the 9 entries in the journal now are taken as read, those since the last run are not counted" "$(cat "$T/.out")"
ok_eq "cursor without a time: nothing counted twice" "9|s=ab;i=d" \
    "$(q 'select count(*) from failures')|$(q "select value from meta where key = 'journal_cursor'")"
