#!/bin/sh
# t76-logpaths.sh -- several paths and globs in one logpath, as fail2ban's
# (logpath = /var/log/mail.log /var/log/mail/*.log), through the real
# binary, a real SQLite file and iptables inside `unshare -n`:
#   - each file followed on its own, with its own position, all in the
#     run's one transaction: the findtime window spans files
#   - a glob is expanded at each run (a new file is picked up) and never
#     matches a rotated sibling of a file it follows (mail.log.1, .gz)
#   - rotation of one file, the others untouched
#   - one path that cannot be read: named, the others still read, the
#     firewall step still runs; exact runs rows and messages
#   - status (each source, its last read), config --check (each path),
#     journal mixed with a path refused, scan's refusal of a followed file
. tests/lib.sh
need_root_netns "$@"
. tests/torture/lib70.sh

M=$T/log/mail
fresh() { rm -rf "$T/log" "$D"; mkdir -p "$T/log" "$M" "$D"; chmod 700 "$D"; }
seen() { q "select group_concat(t, ' ') from (select strftime('%H:%M:%S', time, 'unixepoch') || '/' || address t from failures order by time, id)"; }
runs() { q "select lines || ' ' || failures || ' ' || newbans || ' ' || status from runs order by id"; }
r() { run70 "2026-11-26T$1Z" 2>&1; echo "rc=$?"; }
A=192.0.2.11 B=192.0.2.12

# 1. two logs, 2 + 2 failures of one address, maxretry 3: one ban
fresh
conf70 "logpath=$LOG $M/*.log"
{ fail 10:00:01 $A; fail 10:00:03 $A; } > "$LOG"
{ fail 10:00:02 $A; fail 10:00:04 $A; } > "$M/smtp.log"
ok_eq "two logs: run quiet" "rc=0" "$(r 11:00:00)"
ok_eq "two logs: the four failures" "10:00:01/$A 10:00:02/$A 10:00:03/$A 10:00:04/$A" "$(seen)"
ok_eq "two logs: one ban, at the third failure (the window spans files)" \
    "$A 1795687203" "$(q "select address || ' ' || start from bans")"
ok_eq "two logs: the rule" "$JUMP
-A fail2ban-mail -s $A/32 $R4" "$(chain4)"
ok_eq "two logs: one position each" "$LOG 398
$M/smtp.log 398" "$(q "select path || ' ' || offset from positions order by path")"
ok_eq "two logs: runs row" "4 4 1 ok" "$(runs)"
ok_eq "two logs: second run reads nothing twice" "rc=0
4" "$(r 11:01:00; q 'select count(*) from failures')"

# 2. the glob picks up a new file on a later run; rotated siblings are not logs
touch -d 2026-11-26T10:30:00Z "$M/smtp.log"
fail 10:05:00 $B > "$M/submission.log"
fail 10:05:01 $B > "$M/smtp.log.1"
printf '\037\213\010\000' > "$M/old.log.2.gz"
ok_eq "new file: run quiet" "rc=0" "$(r 11:02:00)"
ok_eq "new file: read from its start, siblings not" "10:05:00/$B" \
    "$(q "select strftime('%H:%M:%S', time, 'unixepoch') || '/' || address from failures where address = '$B'")"
ok_eq "new file: its own position" "$LOG
$M/smtp.log
$M/submission.log" "$(q 'select path from positions order by path')"
rm -f "$M/smtp.log.1" "$M/old.log.2.gz"
conf70 "logpath=$T/log/mail*"
ok_eq "mail*: mail.log's rotated sibling is not a log" "rc=0" \
    "$(fail 10:05:02 $B > "$T/log/mail.log.1"; r 11:02:30)"
ok_eq "mail*: nothing new (mail.log read on, mail.log.1 skipped)" "3" \
    "$(q 'select count(*) from positions')"
rm -f "$T/log/mail.log.1"
conf70 "logpath=$LOG $M/*.log"

# 3. rotation of one of them
fail 10:06:00 $B >> "$M/smtp.log"
mv "$M/smtp.log" "$M/smtp.log.1"
fail 10:06:01 $B > "$M/smtp.log"
fail 10:06:02 $B >> "$LOG"
ok_eq "rotation: run quiet" "rc=0" "$(r 11:03:00)"
ok_eq "rotation: the rotated tail, the new file, the other log" \
    "10:05:00/$B 10:06:00/$B 10:06:01/$B 10:06:02/$B" \
    "$(q "select group_concat(t, ' ') from (select strftime('%H:%M:%S', time, 'unixepoch') || '/' || address t from failures where address = '$B' order by time)")"
ok_eq "rotation: a ban of $B" "1" "$(q "select count(*) from bans where address = '$B'")"

# 4. one path that cannot be read: named, the others read, the firewall runs
fresh
conf70 "logpath=$LOG $T/log/bad.log"
mkdir "$T/log/bad.log"
{ fail 10:00:01 $A; fail 10:00:02 $A; fail 10:00:03 $A; } > "$LOG"
P="$T/log/bad.log: not a regular file; the firewall still follows the database (fix the log; the next run reads on from the saved position)"
ok_eq "one bad path: said, exit 1" "mailban: $P
rc=1" "$(r 11:00:00)"
ok_eq "one bad path: the other log read" "3 1" "$(q "select count(*) from failures") $(q 'select count(*) from bans')"
ok_eq "one bad path: the firewall step ran" "$JUMP
-A fail2ban-mail -s $A/32 $R4" "$(chain4)"
ok_eq "one bad path: runs row" "3 3 1 log not read: $T/log/bad.log: not a regular file" "$(runs)"
ok_eq "one bad path: then quiet" "rc=1" "$(r 11:01:00)"
ok_eq "one bad path: nothing twice" "3" "$(q 'select count(*) from failures')"
rmdir "$T/log/bad.log"
fail 10:00:04 $A > "$T/log/bad.log"
ok_eq "bad path fixed: resolved" "mailban: log source: resolved
rc=0" "$(r 11:02:00)"
ok_eq "bad path fixed: read from its start" "4" "$(q 'select count(*) from failures')"

# 5. status: each source with its last read
ok_eq "status: each source" "source: $LOG $T/log/bad.log (logpath)
last read: 2026-11-26T11:02:00Z
source $LOG: last read 2026-11-26T11:02:00Z
source $T/log/bad.log: last read 2026-11-26T11:02:00Z" \
    "$("$MAILBAN" status -c "$CONF" --now 2026-11-26T11:03:00Z | sed -n '1,4p')"
conf70 "logpath=$LOG $M/*.log"
ok_eq "status: a glob that matches nothing" "source: $LOG $M/*.log (logpath)
last read: 2026-11-26T11:02:00Z
source $LOG: last read 2026-11-26T11:02:00Z
source $M/*.log: no file matches" \
    "$("$MAILBAN" status -c "$CONF" --now 2026-11-26T11:03:00Z | sed -n '1,4p')"

# 6. config --check: each path
chk() { "$MAILBAN" config --check -c "$CONF" 2>&1; echo "rc=$?"; }
ok_eq "check: a path and an empty glob in an existing directory" "configuration OK
rc=0" "$(chk)"
conf70 "logpath=$LOG $T/nodir/*.log $T/log/nofile.log"
ok_eq "check: each path on its own" "mailban: logpath $T/nodir/*.log: directory $T/nodir does not exist (check the spelling; without rsyslog, sendmail logs to the journal: write logpath = journal, or auto)
mailban: logpath $T/log/nofile.log: no such file (check the spelling; without rsyslog, sendmail logs to the journal: write logpath = journal, or auto)
rc=78" "$(chk)"

# 7. journal mixed with a path: a config error (tests/fail has the golden)
conf70 "logpath=journal $LOG"
ok_eq "journal and a path: refused" "mailban: $CONF:$(grep -n '^logpath' "$CONF" | cut -d: -f1): [DEFAULT] logpath: \"journal\" cannot be mixed with paths (write logpath = journal alone, or only paths)
rc=78" "$(chk)"

# 8. scan refuses every file that run follows
conf70 "logpath=$LOG $M/*.log"
fail 10:00:05 $A > "$M/x.log"
ok_eq "scan: a glob's file is refused" "mailban: $M/x.log: is the logpath that mailban run reads; scanning it into the live database would count its failures twice
rc=64" "$("$MAILBAN" scan -c "$CONF" --db "$DB" "$M/x.log" 2>&1; echo "rc=$?")"
cp "$M/x.log" "$T/copy.log"
mv "$M/x.log" "$M/x.log.1"
fail 10:00:06 $A > "$M/x.log"
r 11:04:00 > /dev/null
ok_eq "scan: a copy of a glob's file that run read is refused" "mailban: $T/copy.log: mailban run has read it (it is, or starts like, the file at the saved position of $M/x.log): scanning it into the live database would count its failures twice (scan it into another --db)
rc=64" "$(cp "$M/x.log" "$T/copy.log"; "$MAILBAN" scan -c "$CONF" --db "$DB" "$T/copy.log" 2>&1; echo "rc=$?")"

# 9. a glob whose directory is missing: named, the other path still read
fresh
conf70 "logpath=$T/gone/*.log $LOG"
{ fail 10:00:01 $A; fail 10:00:02 $A; } > "$LOG"
G="logpath $T/gone/*.log: directory $T/gone does not exist (check the spelling; without rsyslog, sendmail logs to the journal: write logpath = journal, or auto)"
ok_eq "missing glob directory: said, exit 1" "mailban: $G
rc=1" "$(r 11:00:00)"
ok_eq "missing glob directory: the other log read" "2 2 0 log not read: $G" "$(runs)"
ok_eq "missing glob directory: status" "problem since 2026-11-26T11:00:00Z: $G
source: $T/gone/*.log $LOG (logpath)
last read: never
source $T/gone/*.log: no file matches
source $LOG: last read 2026-11-26T11:00:00Z" \
    "$("$MAILBAN" status -c "$CONF" --now 2026-11-26T11:01:00Z | sed -n '1,5p')"

# 10. what a glob does not match: links, hidden, compressed, a file twice;
# a path that is a rotated file of another path is refused
fresh
conf70 "logpath=$M/*.log $M/a.log"
fail 10:00:01 $A > "$M/a.log"
ln -s a.log "$M/link.log"
fail 10:00:02 $A > "$M/.hidden.log"
printf '\037\213\010\000' > "$M/c.log.gz"
ok_eq "glob: run quiet" "rc=0" "$(r 11:00:00)"
ok_eq "glob: a.log once (through the glob and the path), nothing else" "10:00:01/$A|$M/a.log" \
    "$(seen)|$(q 'select path from positions')"
conf70 "logpath=$LOG $LOG.1"
: > "$LOG"
R="logpath $LOG.1: a rotated file of $LOG, which mailban reads with it (remove it from logpath)"
ok_eq "a rotated file of another path: refused by check" "mailban: $R
rc=78" "$(chk)"
ok_eq "... and by run, which reads the other" "mailban: $R
rc=1" "$(r 11:01:00)"
echo "1..$TN"
