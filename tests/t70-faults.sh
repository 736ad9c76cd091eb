#!/bin/sh
# t70-faults.sh -- what breaks around a run: the database (corrupt, disk
# full, read-only) and the firewall tools (missing, failing, killed, the
# xtables lock held).  Each fault: one clear line on stderr, exit 1,
# nothing applied from a database that cannot be trusted; the failures
# already read are never lost, and the next good run applies everything.
# Runs in its own mount namespace too (a small tmpfs for "disk full",
# read-only bind mounts, a private /run for the xtables lock).
if [ -z "${MB70_MNT:-}" ] && [ "$(id -u)" = 0 ]; then
	MB70_MNT=1 exec unshare -m sh "$0" "$@"
fi
. tests/lib.sh
need_root_netns "$@"
. tests/torture/lib70.sh
mount -t tmpfs -o size=1m tmpfs /run
conf70
snap() { q 'select count(*) from failures; select * from positions; select count(*) from runs'; }
wrapper() { printf '#!/bin/sh\n%s\n' "$2" > "$T/$1"; chmod 755 "$T/$1"; }

{ fail 10:00:01 192.0.2.61; fail 10:00:02 192.0.2.61; fail 10:00:03 192.0.2.61; } > "$LOG"
ok_eq "setup run" "" "$(run70 2026-11-26T10:05:00Z 2>&1)"
cp "$DB" "$T/good.db"
GOOD4="$JUMP
-A fail2ban-mail -s 192.0.2.61/32 $R4"
ok_eq "setup: banned" "$GOOD4" "$(chain4)"

# 1. a corrupt database: one line, exit 1, and no firewall change (the
#    chain flushed by hand is NOT healed from a database that is unreadable)
iptables -F fail2ban-mail
head -c 8192 /bin/ls > "$DB"; rm -f "$DB-wal" "$DB-shm"
ok_eq "not a database: one line, exit 1" "mailban: $DB: not a mailban database (file is not a database): move it away to start afresh
rc=1" "$(run70 2026-11-26T10:05:00Z 2>&1; echo "rc=$?")"
ok_eq "not a database: firewall untouched" "$JUMP" "$(chain4)"
cp "$T/good.db" "$DB"
dd if=/dev/zero of="$DB" bs=1024 seek=2 count=8 conv=notrunc 2>/dev/null
ok_eq "malformed pages: one line with what to do, exit 1" "mailban: $DB: the database is damaged (opening: database disk image is malformed): move it aside with its -wal and -shm files (sqlite3 OLD .dump saves what can be read); the next run starts afresh and rebuilds the bans from the log
rc=1" "$(run70 2026-11-26T10:05:00Z 2>&1; echo "rc=$?")"
ok_eq "malformed pages: firewall untouched" "$JUMP" "$(chain4)"
cp "$T/good.db" "$DB"
ok_eq "good database back: healed" "" "$(run70 2026-11-26T10:05:00Z 2>&1)"
ok_eq "good database back: rule back" "$GOOD4" "$(chain4)"

# 2. disk full: the state directory on a 256 KiB tmpfs, 3000 new failures
cp "$DB" "$T/db.keep"
mount -t tmpfs -o size=256k,mode=0700 tmpfs "$D"
cp "$T/db.keep" "$DB"
i=0
while [ $i -lt 3000 ]; do
	fail "10:$(printf %02d $((10 + i / 60))):$(printf %02d $((i % 60)))" 198.51.100.$((1 + i % 200))
	i=$((i + 1))
done >> "$LOG"
before=$(snap)
ok_eq "disk full: one line, exit 1" "mailban: $DB: committing: the disk is full, nothing was recorded (free some space; the next run reads the same lines again)
rc=1" "$(run70 2026-11-26T11:00:00Z 2>&1; echo "rc=$?")"
ok_eq "disk full: position not advanced, nothing recorded" "$before" "$(snap)"
ok_eq "disk full: firewall untouched" "$GOOD4" "$(chain4)"
mount -o remount,size=16m "$D"
ok_eq "space freed: the next run recovers" "" "$(run70 2026-11-26T11:00:00Z 2>&1)"
ok_eq "space freed: every failure exactly once" "3003|3003" \
    "$(q 'select count(*), count(distinct time || address) from failures')"
ok_eq "space freed: every line read once, to the end" "3003|$(wc -c < "$LOG")" \
    "$(q 'select sum(lines), (select offset from positions) from runs')"
ok_eq "space freed: 200 new rules" "201" "$(chain4 | grep -c '^-A fail2ban-mail')"
cp "$DB" "$T/db.keep"; umount "$D"; cp "$T/db.keep" "$DB"; rm -f "$DB-wal" "$DB-shm"

# 3. read-only: the state directory, then the database file alone
fail 11:00:01 192.0.2.63 >> "$LOG"
mount --bind "$D" "$D" && mount -o remount,ro,bind "$D"
ok_eq "read-only directory: one line, exit 1" "mailban: cannot open lock $DB.lock: Read-only file system
rc=1" "$(run70 2026-11-26T11:01:00Z 2>&1; echo "rc=$?")"
umount "$D"
mount --bind "$DB" "$DB" && mount -o remount,ro,bind "$DB"
ok_eq "read-only database: one line, exit 1" "mailban: $DB: opening: attempt to write a readonly database
rc=1" "$(run70 2026-11-26T11:01:00Z 2>&1; echo "rc=$?")"
umount "$DB"
ok_eq "writable again: recorded" "" "$(run70 2026-11-26T11:01:00Z 2>&1)"
ok_eq "writable again: the failure once" "1" "$(q "select count(*) from failures where address = '192.0.2.63'")"

# 4. iptables-restore missing, failing, killed: exit 1 with the reason,
#    the failures and bans recorded; the next working run applies them
iptables -F fail2ban-mail
{ fail 11:10:01 203.0.113.64; fail 11:10:02 203.0.113.64; fail 11:10:03 203.0.113.64; } >> "$LOG"
conf70 iptables_restore=/nonexistent/iptables-restore
ok_eq "restore missing: reason, exit 1" "mailban: cannot run /nonexistent/iptables-restore: No such file or directory
rc=1" "$(run70 2026-11-26T11:11:00Z 2>&1; echo "rc=$?")"
ok_eq "restore missing: failures and ban recorded" "3|1" \
    "$(q "select count(*), (select count(*) from bans where address = '203.0.113.64') from failures where address = '203.0.113.64'")"
ok_eq "restore missing: run recorded as failed, with the reason" "firewall failed: cannot run /nonexistent/iptables-restore: No such file or directory" "$(q 'select status from runs order by id desc limit 1')"
wrapper fail.sh 'cat > /dev/null; echo "iptables-restore: line 2 failed" >&2; exit 1'
conf70 iptables_restore="$T/fail.sh"
fail 11:10:04 203.0.113.65 >> "$LOG"
ok_eq "restore failing: reason, exit 1" "mailban: iptables-restore exited 1: iptables-restore: line 2 failed; chain left unchanged
rc=1" "$(run70 2026-11-26T11:11:00Z 2>&1; echo "rc=$?")"
wrapper kill.sh 'kill -9 $$'
conf70 iptables_restore="$T/kill.sh"
fail 11:10:05 203.0.113.65 >> "$LOG"
ok_eq "restore killed: reason, exit 1" "mailban: iptables-restore killed by signal 9; chain left unchanged
rc=1" "$(run70 2026-11-26T11:11:00Z 2>&1; echo "rc=$?")"
ok_eq "tool faults: every failure recorded once" "2" \
    "$(q "select count(*) from failures where address = '203.0.113.65'")"
conf70
ok_eq "tool back: one line, resolved" "mailban: firewall: resolved" "$(run70 2026-11-26T11:11:00Z 2>&1)"
ok_eq "tool back: every active ban applied (192.0.2.61 expired)" "201" "$(chain4 | grep -c '^-A fail2ban-mail')"
ok_eq "tool back: the one banned while broken" "1" "$(chain4 | grep -c -- '-s 203.0.113.64/32')"

# 5. the xtables lock (/run/xtables.lock, private /run here).
#    nft backend (the Debian default): iptables-nft-restore does not use
#    the lock at all, so a run under a held lock applies at once.
iptables -F fail2ban-mail
ok_eq "nft: lock held for the whole run: applied" "0" \
    "$(timeout 60 flock /run/xtables.lock "$MAILBAN" run -c "$CONF" --now 2026-11-26T11:12:00Z 2>&1; echo "$?")"
ok_eq "nft: every rule back" "201" "$(chain4 | grep -c '^-A fail2ban-mail')"
#    legacy backend: the restore waits until the holder is done, then
#    applies.  (iptables-legacy-restore 1.8.9 waits for the lock even
#    without -w; a bounded --wait=1 would fail here.)
conf70 iptables_save=/usr/sbin/iptables-legacy-save iptables_restore=/usr/sbin/iptables-legacy-restore \
    ip6tables_save=/usr/sbin/ip6tables-legacy-save ip6tables_restore=/usr/sbin/ip6tables-legacy-restore
mkfifo "$T/go"
flock /run/xtables.lock sh -c "echo held > '$T/go'; sleep 4; echo released > '$T/marker'" &
holder=$!
[ "$(cat "$T/go")" = held ] || echo "not ok - legacy fixture: the lock was not taken"
ok_eq "legacy: the run waits, then applies" "0" \
    "$(timeout 60 "$MAILBAN" run -c "$CONF" --now 2026-11-26T11:12:00Z 2>&1; echo "$?")"
ok_eq "legacy: it finished after the holder" "released" "$(cat "$T/marker" 2>&1)"
wait $holder
ok_eq "legacy: rules applied" "201" "$(iptables-legacy-save -t filter | grep -c '^-A fail2ban-mail')"
