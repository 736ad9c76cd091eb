#!/bin/sh
# t71-robust.sh -- a run says what really happened, and the firewall never
# waits for the log:
#   - the log unreadable (a FIFO, a directory, a symbolic link out of its
#     directory) or journalctl failing: the firewall still follows the
#     database (expiry, a hand flush healed), the run is recorded with its
#     reason, one line on stderr, exit 1
#   - runs.status holds the firewall tool's reason
#   - disk full after the commit: the message says what was committed, and
#     the run's row is there (it is part of the same transaction)
#   - status, report and check on a read-only state directory
#   - PRAGMA quick_check at most once a day; a damaged database gets advice
# Runs in its own mount namespace (tmpfs, read-only bind mounts).
if [ -z "${MB71_MNT:-}" ] && [ "$(id -u)" = 0 ]; then
	MB71_MNT=1 exec unshare -m sh "$0" "$@"
fi
. tests/lib.sh
need_root_netns "$@"
. tests/torture/lib70.sh
mount -t tmpfs -o size=1m tmpfs /run
conf70
last() { q 'select lines, failures, newbans, added, removed, status from runs order by id desc limit 1'; }
wrapper() { printf '#!/bin/sh\n%s\n' "$2" > "$T/$1"; chmod 755 "$T/$1"; }
FOLLOWS="the firewall still follows the database (fix the log; the next run reads on from the saved position)"

# 1. the log becomes unreadable: expiry and healing go on
{ fail 10:00:01 192.0.2.61; fail 10:00:02 192.0.2.61; fail 10:00:03 192.0.2.61; } > "$LOG"
ok_eq "setup run" "" "$(run70 2026-11-26T10:05:00Z 2>&1)"
ok_eq "setup: banned until 11:00:03" "$JUMP
-A fail2ban-mail -s 192.0.2.61/32 $R4" "$(chain4)"
mv "$LOG" "$T/keep.log"; mkfifo "$LOG"
ok_eq "fifo: one line naming the file, exit 1" "mailban: $LOG: not a regular file; $FOLLOWS
rc=1" "$(run70 2026-11-26T12:05:00Z 2>&1; echo "rc=$?")"
ok_eq "fifo: the expired ban is gone from the chain" "$JUMP" "$(chain4)"
ok_eq "fifo: the run is recorded with its reason" "0|0|0|0|1|log not read: $LOG: not a regular file" "$(last)"
ok_eq "fifo: status shows it" "$LOG: not a regular file" \
    "$(mb status -c "$CONF" --now 2026-11-26T12:06:00Z | sed -n 's/^last run: .* ms, log not read: //p')"
rm "$LOG"; cp "$T/keep.log" "$LOG"
{ fail 12:10:01 192.0.2.62; fail 12:10:02 192.0.2.62; fail 12:10:03 192.0.2.62; } >> "$LOG"
ok_eq "log back: one line, it is resolved" "mailban: log source: resolved" "$(run70 2026-11-26T12:15:00Z 2>&1)"
ok_eq "log back: read on, every failure once" "6" "$(q 'select count(*) from failures')"
ok_eq "log back: the new ban" "$JUMP
-A fail2ban-mail -s 192.0.2.62/32 $R4" "$(chain4)"
mv "$LOG" "$T/keep.log"; mkdir "$LOG"
iptables -F fail2ban-mail
ok_eq "directory: one line, exit 1" "mailban: $LOG: not a regular file; $FOLLOWS
rc=1" "$(run70 2026-11-26T12:16:00Z 2>&1; echo "rc=$?")"
ok_eq "directory: the hand flush is healed" "$JUMP
-A fail2ban-mail -s 192.0.2.62/32 $R4" "$(chain4)"
ok_eq "directory: recorded" "0|0|0|1|0|log not read: $LOG: not a regular file" "$(last)"
rmdir "$LOG"; mkdir -p "$T/elsewhere"; cp "$T/keep.log" "$T/elsewhere/mail.log"
ln -s "$T/elsewhere/mail.log" "$LOG"
ok_eq "symlink out of its directory: one line, exit 1" "mailban: $LOG: symbolic link to $T/elsewhere/mail.log, outside its directory: refusing to follow it (set logpath to the file itself); $FOLLOWS
rc=1" "$(run70 2026-11-26T13:20:00Z 2>&1; echo "rc=$?")"
ok_eq "symlink: the ban expired meanwhile is lifted" "$JUMP" "$(chain4)"
rm "$LOG"; mv "$T/keep.log" "$LOG"
ok_eq "log back again: resolved, nothing read twice" "mailban: log source: resolved|6" "$(run70 2026-11-26T13:21:00Z 2>&1)|$(q 'select count(*) from failures')"
ok_eq "dry run with an unreadable log: exit 1" "mailban: $T/nolog/mail.log: symbolic link to /etc/passwd, outside its directory: refusing to follow it (set logpath to the file itself); $FOLLOWS
rc=1" "$(mkdir -p "$T/nolog"; ln -s /etc/passwd "$T/nolog/mail.log"
    sed "s|^logpath .*|logpath = $T/nolog/mail.log|" "$CONF" > "$T/nolog.conf"; chmod 600 "$T/nolog.conf"
    "$MAILBAN" run -c "$T/nolog.conf" --now 2026-11-26T13:22:00Z --dry-run 2>&1 >/dev/null; echo "rc=$?")"

# 2. journalctl fails: the firewall still follows the database
wrapper journalctl 'kill -9 $$'
sed -e "s|^logpath .*|logpath = journal|" -e "s|^journalctl .*|journalctl = $T/journalctl|" "$CONF" > "$T/j.conf"
chmod 600 "$T/j.conf"
"$MAILBAN" ban 198.51.100.7 -c "$CONF" --for 1h --now 2026-11-26T13:30:00Z 2>/dev/null
iptables -F fail2ban-mail
ok_eq "journal failing: one line, exit 1" "mailban: journalctl killed by signal 9; journal not read; the firewall still follows the database (the next run reads on from the saved cursor)
rc=1" "$("$MAILBAN" run -c "$T/j.conf" --now 2026-11-26T13:31:00Z 2>&1; echo "rc=$?")"
ok_eq "journal failing: the manual ban applied" "$JUMP
-A fail2ban-mail -s 198.51.100.7/32 $R4" "$(chain4)"
ok_eq "journal failing: recorded" "0|0|0|1|0|journal not read: journalctl killed by signal 9; journal not read" "$(last)"

# 3. runs.status says why the firewall step failed
wrapper fail.sh 'cat > /dev/null; echo "iptables-restore: line 2 failed" >&2; echo "second line" >&2; exit 1'
conf70 iptables_restore="$T/fail.sh"
iptables -F fail2ban-mail
ok_eq "restore failing: exit 1 (the journal's problem resolved)" "mailban: log source: resolved
mailban: iptables-restore exited 1: iptables-restore: line 2 failed; chain left unchanged
rc=1" "$(run70 2026-11-26T13:32:00Z 2>&1; echo "rc=$?")"
ok_eq "restore failing: the reason recorded" "0|0|0|0|0|firewall failed: iptables-restore exited 1: iptables-restore: line 2 failed; chain left unchanged" "$(last)"
conf70
ok_eq "restore back: healed, resolved" "mailban: firewall: resolved" "$(run70 2026-11-26T13:33:00Z 2>&1)"
ok_eq "restore back: recorded ok" "0|0|0|1|0|ok" "$(last)"

# 4. disk full after the commit: the failures, bans and position are in,
#    and so is the run's row (same transaction); the message says so
cp "$DB" "$T/db.keep"
mount -t tmpfs -o size=4m,mode=0700 tmpfs "$D"
cp "$T/db.keep" "$DB"
i=0
while [ $i -lt 3000 ]; do
	fail "14:$(printf %02d $((10 + i / 60))):$(printf %02d $((i % 60)))" 198.51.100.$((1 + i % 200))
	i=$((i + 1))
done >> "$LOG"
wrapper fill.sh "dd if=/dev/zero of=$D/fill bs=64k 2>/dev/null; exec /usr/sbin/iptables-restore \"\$@\""
conf70 iptables_restore="$T/fill.sh"
ok_eq "full after the commit: says what was committed, exit 1" "mailban: $DB: recording the run: the disk is full, but this run's 3000 failures, 200 new bans and its reader position were committed and applied; only its row in runs is incomplete (free some space)
rc=1" "$(run70 2026-11-26T15:00:00Z 2>&1; echo "rc=$?")"
ok_eq "full after the commit: every failure and ban committed" "3006|200" \
    "$(q "select count(*), (select count(*) from bans where address like '198.51.100.%' and manual = 0) from failures")"
ok_eq "full after the commit: the run's row is there" "3000|3000|200|0|0|interrupted after the commit (firewall step not recorded)" "$(last)"
ok_eq "full after the commit: the firewall applied" "200" "$(chain4 | grep -c '^-A fail2ban-mail -s 198.51.100')"
rm -f "$D/fill"; conf70
ok_eq "space freed: quiet, nothing read again" "|3006|0|0|0|0|0|ok" \
    "$(run70 2026-11-26T15:01:00Z 2>&1)|$(q 'select count(*) from failures')|$(last)"
cp "$DB" "$T/db.keep"; umount "$D"; cp "$T/db.keep" "$DB"; rm -f "$DB-wal" "$DB-shm"

# 5. a read-only state directory, no -wal or -shm left: the reading
#    commands work (and create nothing)
ok_eq "setup: a run leaves no -wal, no -shm" "|mailban.db mailban.db.lock" \
    "$(run70 2026-11-26T15:02:00Z 2>&1)|$(ls "$D" | tr '\n' ' ' | sed 's/ $//')"
mount --bind "$D" "$D" && mount -o remount,ro,bind "$D"
ok_eq "read-only: status" "active bans at 2026-11-26T15:03:00Z: 200|rc=0" \
    "$(mb status -c "$CONF" --now 2026-11-26T15:03:00Z 2>&1 | grep '^active bans')|rc=$(mb status -c "$CONF" --now 2026-11-26T15:03:00Z >/dev/null 2>&1; echo $?)"
ok_eq "read-only: report" "rc=0 202" \
    "$(mb report active-bans -c "$CONF" --now 2026-11-26T15:03:00Z > "$T/rep" 2>&1; echo "rc=$? $(wc -l < "$T/rep")")"
ok_eq "read-only: check" "rc=0" "$(mb check -c "$CONF" --now 2026-11-26T15:03:00Z > "$T/chk" 2>&1; echo "rc=$?")"
ok_eq "read-only: nothing created" "mailban.db mailban.db.lock" "$(ls "$D" | tr '\n' ' ' | sed 's/ $//')"
umount "$D"
#    a writer that died left commits in -wal only: not read as if absent
python3 -c 'import sqlite3, os, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("pragma wal_autocheckpoint = 0")
c.execute("insert into meta (key, value) values (?, ?)", ("t71", "in the wal only"))
os._exit(0)' "$DB"
rm -f "$DB-shm"
mount --bind "$D" "$D" && mount -o remount,ro,bind "$D"
ok_eq "read-only, commits left in -wal: refused with the reason" "mailban: $DB: cannot read it: $DB-wal holds changes and $DB-shm cannot be created (read-only directory?): let one mailban run write there
rc=1" "$(mb status -c "$CONF" --now 2026-11-26T15:03:00Z 2>&1; echo "rc=$?")"
umount "$D"
ok_eq "writable again: the commit in -wal is there" "in the wal only" "$(q "select value from meta where key = 't71'")"

# 6. PRAGMA quick_check at most once a day of --now: a damaged page that
#    no run reads (table scanned) is found by the first run of the next day
q "insert into scanned (fp, fplen, offset, name, updated) select value, 4096, 0, printf('%0400d', value), 0 from generate_series(1, 100)"
pg=$(q "select pageno from dbstat where name = 'scanned' and pagetype = 'leaf' order by pageno limit 1")
head -c 4096 /dev/zero | tr '\0' '\377' | dd of="$DB" bs=4096 seek=$((pg - 1)) conv=notrunc 2>/dev/null
ok_eq "damaged, checked today already: the run does not see it" "rc=0" "$(run70 2026-11-26T15:04:00Z 2>&1; echo "rc=$?")"
iptables -F fail2ban-mail
before=$(q 'select count(*) from runs')
ok_eq "damaged, next day: found, what to do, exit 1" "mailban: $DB: the database is damaged (quick_check: *** in database main *** Page $pg: btreeInitPage() returns error code 11): move it aside with its -wal and -shm files (sqlite3 OLD .dump saves what can be read); the next run starts afresh and rebuilds the bans from the log
rc=1" "$(run70 2026-11-27T10:06:00Z 2>&1; echo "rc=$?")"
ok_eq "damaged: nothing applied, nothing recorded" "$JUMP|$before" "$(chain4)|$(q 'select count(*) from runs')"
