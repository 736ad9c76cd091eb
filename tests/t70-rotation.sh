#!/bin/sh
# t70-rotation.sh -- log rotation torture through the real binary and the
# database: every failure line counted once, none lost, none twice.
# Each case starts from an empty state directory; seen are fixed (--now),
# file seen set with touch -d where the order of rotated files matters.
#   seen        the failures recorded, "HH:MM:SS ..." in time order
#   lines       sum of runs.lines (every line read once)
. tests/lib.sh
need_root_netns "$@"
. tests/torture/lib70.sh
conf70

fresh() { rm -rf "$T/log" "$T/other" "$D"; mkdir -p "$T/log" "$D"; chmod 700 "$D"; }
seen() { q "select group_concat(t, ' ') from (select strftime('%H:%M:%S', time, 'unixepoch') t from failures order by time, id)"; }
lines() { q "select sum(lines) || ' lines, ' || sum(skipped) || ' skipped' from runs"; }
r() { run70 "2026-11-26T$1Z" 2>&1; }
A=192.0.2.11

# 1. rename + create
fresh
{ fail 10:00:01 $A; fail 10:00:02 $A; } > "$LOG"
ok_eq "rename: first run quiet" "" "$(r 11:00:00)"
fail 10:00:03 $A >> "$LOG"
mv "$LOG" "$LOG.1"
fail 10:00:04 $A > "$LOG"
ok_eq "rename: run quiet" "" "$(r 11:01:00)"
ok_eq "rename: tail of mail.log.1, then mail.log" "10:00:01 10:00:02 10:00:03 10:00:04" "$(seen)"
ok_eq "rename: second run quiet" "" "$(r 11:02:00)"
ok_eq "rename: none twice" "10:00:01 10:00:02 10:00:03 10:00:04" "$(seen)"
ok_eq "rename: every line read once" "4 lines, 0 skipped" "$(lines)"

# 2. copytruncate: the lines written since the last run are in the copy
fresh
{ fail 10:00:01 $A; fail 10:00:02 $A; } > "$LOG"
r 11:00:00
{ fail 10:00:03 $A; fail 10:00:04 $A; } >> "$LOG"
cp -p "$LOG" "$LOG.1"; : > "$LOG"
fail 10:00:05 $A >> "$LOG"
ok_eq "copytruncate: run quiet" "" "$(r 11:01:00)"
ok_eq "copytruncate: tail of the copy, then the log" \
    "10:00:01 10:00:02 10:00:03 10:00:04 10:00:05" "$(seen)"
fail 10:00:06 $A >> "$LOG"
r 11:02:00
ok_eq "copytruncate: then on as usual" \
    "10:00:01 10:00:02 10:00:03 10:00:04 10:00:05 10:00:06" "$(seen)"
ok_eq "copytruncate: every line read once" "6 lines, 0 skipped" "$(lines)"

# 3. two rotations between runs: mail.log.2 and mail.log.1, oldest first
fresh
fail 10:00:01 $A > "$LOG"
r 11:00:00
fail 10:00:02 $A >> "$LOG"
mv "$LOG" "$LOG.1"; fail 10:00:03 $A > "$LOG"
mv "$LOG.1" "$LOG.2"; mv "$LOG" "$LOG.1"; fail 10:00:04 $A > "$LOG"
touch -d 2026-11-26T10:30:00Z "$LOG.2"; touch -d 2026-11-26T10:40:00Z "$LOG.1"
ok_eq "two rotations: run quiet" "" "$(r 11:01:00)"
ok_eq "two rotations: .2 tail, .1 whole, then the log" \
    "10:00:01 10:00:02 10:00:03 10:00:04" "$(seen)"
ok_eq "two rotations: ids in reading order" "10:00:01 10:00:02 10:00:03 10:00:04" \
    "$(q "select group_concat(strftime('%H:%M:%S', time, 'unixepoch'), ' ') from (select time from failures order by id)")"
ok_eq "two rotations: every line read once" "4 lines, 0 skipped" "$(lines)"

# 4. compressed before its tail was read (no delaycompress): read the .gz
fresh
{ fail 10:00:01 $A; fail 10:00:02 $A; } > "$LOG"
r 11:00:00
{ fail 10:00:03 $A; fail 10:00:04 $A; } >> "$LOG"
mv "$LOG" "$LOG.1"; gzip "$LOG.1"
fail 10:00:05 $A > "$LOG"
ok_eq "gz tail: run quiet" "" "$(r 11:01:00)"
ok_eq "gz tail: read from the .gz at the offset" \
    "10:00:01 10:00:02 10:00:03 10:00:04 10:00:05" "$(seen)"
ok_eq "gz tail: every line read once" "5 lines, 0 skipped" "$(lines)"
ok_eq "gz tail: bytes = log sizes" "$(($(zcat "$LOG.1.gz" | wc -c) + $(wc -c < "$LOG")))" \
    "$(q 'select sum(bytes) from runs')"

# 4b. ... and two rotations, both compressed (mail.log.2.gz, mail.log.1.gz)
fresh
fail 10:00:01 $A > "$LOG"
r 11:00:00
fail 10:00:02 $A >> "$LOG"
mv "$LOG" "$LOG.1"; fail 10:00:03 $A > "$LOG"
gzip "$LOG.1"; mv "$LOG.1.gz" "$LOG.2.gz"; mv "$LOG" "$LOG.1"; gzip "$LOG.1"
fail 10:00:04 $A > "$LOG"
touch -d 2026-11-26T10:30:00Z "$LOG.2.gz"; touch -d 2026-11-26T10:40:00Z "$LOG.1.gz"
ok_eq "two gz: run quiet" "" "$(r 11:01:00)"
ok_eq "two gz: .2.gz tail, .1.gz whole, then the log" \
    "10:00:01 10:00:02 10:00:03 10:00:04" "$(seen)"

# 4c. the .gz is not the file read last (fingerprint differs): loss reported once
fresh
{ fail 10:00:01 $A; fail 10:00:02 $A; } > "$LOG"
r 11:00:00
ino=$(stat -c %i "$LOG")
mkdir "$T/other"; mv "$LOG" "$T/other/"		# keeps its inode busy
fail 09:00:00 192.0.2.99 | gzip > "$LOG.1.gz"
fail 10:00:05 $A > "$LOG"
ok_eq "gz mismatch: one warning" "mailban: $LOG: the file read last (inode $ino) is gone: an unknown number of bytes after offset $(wc -c < "$T/other/mail.log") are lost (they may be in the compressed $LOG.1.gz, which is not read); reading $LOG from the start" \
    "$(r 11:01:00)"
ok_eq "gz mismatch: the new log read" "10:00:01 10:00:02 10:00:05" "$(seen)"
ok_eq "gz mismatch: reported once" "" "$(r 11:02:00)"
ok_eq "gz mismatch: nothing twice" "10:00:01 10:00:02 10:00:05" "$(seen)"

# 5. log missing, then back: moved away and back (same file) ...
fresh
fail 10:00:01 $A > "$LOG"
r 11:00:00
mkdir "$T/other"; mv "$LOG" "$T/other/"
ok_eq "missing: quiet, exit 0" "0:" "$(r 11:01:00; echo "$?:")"
fail 10:00:02 $A >> "$T/other/mail.log"
mv "$T/other/mail.log" "$LOG"
ok_eq "back: quiet" "" "$(r 11:02:00)"
ok_eq "back: goes on at the offset" "10:00:01 10:00:02" "$(seen)"
# ... and deleted, then created anew: read from the start, loss unknown
pos=$(wc -c < "$LOG"); ino=$(stat -c %i "$LOG")
mv "$LOG" "$T/other/kept"			# keeps its inode busy
ok_eq "deleted: quiet, exit 0" "0:" "$(r 11:03:00; echo "$?:")"
fail 10:00:03 $A > "$LOG"
ok_eq "recreated: warns once" "mailban: $LOG: the file read last (inode $ino) is gone: an unknown number of bytes after offset $pos are lost; reading $LOG from the start" \
    "$(r 11:04:00)"
ok_eq "recreated: read from 0" "10:00:01 10:00:02 10:00:03" "$(seen)"
ok_eq "missing/back: every line read once" "3 lines, 0 skipped" "$(lines)"

# 6. log replaced by a symbolic link: followed within its directory ...
fresh
fail 10:00:01 $A > "$LOG"
r 11:00:00
mv "$LOG" "$LOG.real"; ln -s mail.log.real "$LOG"
fail 10:00:02 $A >> "$LOG.real"
ok_eq "symlink in dir: quiet" "" "$(r 11:01:00)"
ok_eq "symlink in dir: same file, goes on" "10:00:01 10:00:02" "$(seen)"
# ... refused outside it, nothing read, position kept
mkdir "$T/other"; fail 10:00:09 192.0.2.98 > "$T/other/evil.log"
before=$(q 'select ino, offset, fp from positions')
rm "$LOG"; ln -s ../other/evil.log "$LOG"
ok_eq "symlink outside: refused, exit 1" "mailban: $LOG: symbolic link to $T/other/evil.log, outside its directory: refusing to follow it (set logpath to the file itself); the firewall still follows the database (fix the log; the next run reads on from the saved position)
1" "$(r 11:02:00; echo $?)"
ok_eq "symlink outside: nothing read" "10:00:01 10:00:02" "$(seen)"
ok_eq "symlink outside: position kept" "$before" "$(q 'select ino, offset, fp from positions')"

# 7. inode reuse with other content: fingerprint mismatch -> from 0.  Reuse
# cannot be forced on every file system: the position row is given the new
# file's inode, which is what the reader sees after a reuse.
fresh
{ fail 10:00:01 $A; fail 10:00:02 $A; } > "$LOG"
r 11:00:00
mkdir "$T/other"; mv "$LOG" "$T/other/"
{ fail 10:00:03 $A; fail 10:00:04 $A; fail 10:00:05 $A; } > "$LOG"
q "update positions set ino = $(stat -c %i "$LOG")"
ok_eq "inode reuse: quiet" "" "$(r 11:01:00)"
ok_eq "inode reuse: the new content from 0" \
    "10:00:01 10:00:02 10:00:03 10:00:04 10:00:05" "$(seen)"

# 8. empty first line (fail2ban#3365): a rewrite is still noticed
fresh
{ echo; fail 10:00:01 $A; } > "$LOG"
r 11:00:00
{ echo; fail 10:00:02 $A; fail 10:00:03 $A; } > "$LOG"	# same inode, longer
ok_eq "empty first line: quiet" "" "$(r 11:01:00)"
ok_eq "empty first line: rewrite read from 0" "10:00:01 10:00:02 10:00:03" "$(seen)"
ok_eq "empty first line: lines (empty ones skipped)" "5 lines, 2 skipped" "$(lines)"

# 9. shrinks, then grows past the old offset between runs
fresh
{ fail 10:00:01 $A; fail 10:00:02 $A; } > "$LOG"
r 11:00:00
old=$(wc -c < "$LOG")
fail 10:00:03 192.0.2.12 > "$LOG"
{ fail 10:00:04 192.0.2.12; fail 10:00:05 192.0.2.12; } >> "$LOG"
[ "$(wc -c < "$LOG")" -gt "$old" ] || echo "not ok - shrink+grow fixture: not past the old offset"
ok_eq "shrink+grow: quiet" "" "$(r 11:01:00)"
ok_eq "shrink+grow: read from 0" "10:00:01 10:00:02 10:00:03 10:00:04 10:00:05" "$(seen)"
ok_eq "shrink+grow: every line read once" "5 lines, 0 skipped" "$(lines)"

# 10. the same log under another spelling of its path is the same file:
# positions are keyed by the canonical path (resolved directory + name)
fresh
{ fail 10:00:01 $A; fail 10:00:02 $A; } > "$LOG"
r 11:00:00
n=0
for p in "$T/log//mail.log" "$T/./log/mail.log" "$T/log/../log/mail.log" "$T/loglink/mail.log"; do
	n=$((n + 1))
	rm -f "$T/loglink"; ln -s log "$T/loglink"
	conf70 "logpath=$p"
	fail 10:00:1$n $A >> "$LOG"
	ok_eq "spelling $n: quiet" "" "$(r 11:0$n:00)"
done
rm -f "$T/loglink"
conf70
ok_eq "spellings: nothing read twice" "10:00:01 10:00:02 10:00:11 10:00:12 10:00:13 10:00:14" "$(seen)"
ok_eq "spellings: every line read once" "6 lines, 0 skipped" "$(lines)"
ok_eq "spellings: one position, canonical path" "$T/log/mail.log" "$(q 'select path from positions')"
# a database of an older version, keyed by the configured spelling, goes on
# at its offset and is moved to the canonical key
q "update positions set path = '$T/log//mail.log'"
conf70 "logpath=$T/log//mail.log"
fail 10:00:20 $A >> "$LOG"
ok_eq "old key: quiet" "" "$(r 11:10:00)"
conf70
ok_eq "old key: goes on at its offset" "10:00:01 10:00:02 10:00:11 10:00:12 10:00:13 10:00:14 10:00:20" "$(seen)"
ok_eq "old key: moved to the canonical path" "$T/log/mail.log" "$(q 'select path from positions')"

# 11. an unterminated tail over the line limit (64 KiB) is skipped and
# counted once, not read again by every run; the rest of that line is
# skipped when it comes, and the lines after it are read
fresh
fail 10:00:01 $A > "$LOG"
head -c 300000 /dev/zero | tr '\0' z >> "$LOG"
ok_eq "long tail: quiet" "" "$(r 11:00:00)"
ok_eq "long tail: skipped and counted" "1 lines, 1 skipped" "$(lines)"
ok_eq "long tail: consumed" "$(wc -c < "$LOG")" "$(q 'select offset from positions')"
ok_eq "long tail: next run reads nothing" "0 0 0" "$(r 11:01:00; q 'select lines, bytes, skipped from runs order by id desc limit 1' | tr '|' ' ')"
{ printf 'zzz\n'; fail 10:00:02 $A; } >> "$LOG"
ok_eq "long tail: ended: quiet" "" "$(r 11:02:00)"
ok_eq "long tail: the rest skipped, not counted again" "2 lines, 1 skipped" "$(lines)"
ok_eq "long tail: the line after it read" "10:00:01 10:00:02" "$(seen)"
