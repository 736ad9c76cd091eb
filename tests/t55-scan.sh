#!/bin/sh
# t55-scan.sh -- `mailban scan`, the forensic run: a "last March" log
# (tests/scan/march.log, BSD dates) and a February one, plain, gzip -n
# compressed and on standard input, with the mtimes logrotate would have
# left.  Exact tsv/json/text reports (tests/scan/march.*), the year taken
# from each file's mtime, --since/--until, dedupe (again, grown, as .gz),
# damaged input, a missing file, the progress line on a terminal only,
# and --apply on the real chains inside `unshare -n`.
. tests/lib.sh
need_root_netns "$@"

S=tests/scan
D=$T/state; mkdir -p "$D"; chmod 700 "$D"
CONF=$T/mailban.conf LIVE=$D/mailban.db LOG=$T/mail.log
sed -e "s|^logpath .*|logpath = $LOG|" -e "s|^database .*|database = $LIVE|" \
    -e 's|^maxretry .*|maxretry = 3|' -e 's|^port .*|port = 25|' \
    -e 's|^ignoreip .*|ignoreip = 127.0.0.0/8 ::1 192.0.2.250|' \
    -e 's|^bantime.increment .*|bantime.increment = false|' \
    -e '/^\[sendmail-auth\]/a bantime = -1' conf/mailban.conf > "$CONF"
chmod 600 "$CONF"

# The rotated logs of last spring: mail.log.1 (March), mail.log.2 (February).
L=$T/logs; mkdir "$L"
cp "$S/march.log" "$L/mail.log.1"
cp "$S/february.log" "$L/mail.log.2"
gzip -n -c "$L/mail.log.1" > "$L/mail.log.1.gz"
gzip -n -c "$L/mail.log.2" > "$L/mail.log.2.gz"
touch -d '2024-03-31 23:00:00 UTC' "$L/mail.log.1" "$L/mail.log.1.gz"
touch -d '2024-03-01 00:00:00 UTC' "$L/mail.log.2" "$L/mail.log.2.gz"
M=$L/mail.log.1 MSIZE=$(wc -c < "$S/march.log")

scan() { "$MAILBAN" scan -c "$CONF" "$@"; }
q() { sqlite3 "$1" "$2"; }
# state DB: what a scan may change (failures, bans, scan records)
state() { q "$1" 'select count(*) from failures; select address, jail, start, end, failures from bans order by address, start; select fplen, offset from scanned order by fplen, offset'; }
# counts FILE: lines read, bytes read/known, failures of the last json report
# jget FILE EXPR: a python EXPR over d, the parsed json report (a string
# printed as is, anything else as compact json)
jget() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))' "$1" "$2"
}
counts() { jget "$1" '[d["lines"], d["bytes"], d["bytes_known"], d["failures"], d["skipped"]["total"]]'; }

# 1. the three report formats, exact; the year 2024 comes from the mtime
scan --db "$T/tsv.db" --format tsv "$M" > "$T/out.tsv" 2> "$T/err"
ok_file "tsv report" "$S/march.tsv" "$T/out.tsv"
ok_eq "nothing on stderr off a terminal" "" "$(cat "$T/err")"
scan --db "$T/json.db" --format json "$M" > "$T/out.json"
ok_file "json report" "$S/march.json" "$T/out.json"
ok_eq "json parses" "[4,\"2001:db8::5\",null]" "$(jget "$T/out.json" '[len(d["bans"]), d["bans"][2]["address"], d["bans"][2]["end"]]')"
scan --db "$T/text.db" "$M" > "$T/out.txt"
ok_file "text report" "$S/march.txt" "$T/out.txt"
ok_eq "database holds the failures in event time" "14|1709632801|1711922403" \
    "$(q "$T/tsv.db" 'select count(*), min(time), max(time) from failures')"
ok_eq "--now overrides the mtime for the year" \
    "192.0.2.10	2025-03-05T10:00:03Z	2025-03-05T11:00:03Z	3	sendmail-reject" \
    "$(scan --db "$T/now.db" --now 2025-06-01T00:00:00Z --format tsv "$M" | head -n 1)"

# 2. compressed and standard input give the same timeline
ok_eq ".gz read with zlib" "$(cat "$S/march.tsv")" "$(scan --db "$T/gz.db" --format tsv "$M.gz")"
ok_eq "stdin redirected from the file (its mtime)" "$(cat "$S/march.tsv")" \
    "$(scan --db "$T/in1.db" --format tsv - < "$M")"
ok_eq "gzip on a pipe, year from --now" "$(cat "$S/march.tsv")" \
    "$(cat "$M.gz" | scan --db "$T/in2.db" --now 2024-04-01T00:00:00Z --format tsv -)"

# 3. nothing twice: again, as .gz, on stdin -> the database does not change
DB=$T/dedupe.db
scan --db "$DB" --format json "$M" > /dev/null
before=$(state "$DB")
ok_eq "first scan recorded the file" "14
192.0.2.10|sendmail-reject|1709632803|1709636403|3
192.0.2.10|sendmail-reject|1709640003|1709643603|3
2001:db8::5|sendmail-auth|1710921602||3
203.0.113.7|sendmail-reject|1711922403|1711926003|3
$MSIZE|$MSIZE" "$before"
scan --db "$DB" --format json "$M" > "$T/again.json"
ok_eq "second scan reads nothing" "[0,0,$MSIZE,0,0]" "$(counts "$T/again.json")"
ok_eq "second scan: same database" "$before" "$(state "$DB")"
ok_eq "second scan: same bans reported" "$(jget "$S/march.json" 'd["bans"]')" "$(jget "$T/again.json" 'd["bans"]')"
scan --db "$DB" --format json "$M.gz" > "$T/gz.json"
ok_eq "the .gz of a scanned file reads nothing" "[0,0,$MSIZE,0,0]" "$(counts "$T/gz.json")"
ok_eq "the .gz adds nothing" "$before" "$(state "$DB")"
cat "$M" | scan --db "$DB" --format json - > "$T/in.json"
ok_eq "the same text on stdin adds nothing" "$before" "$(state "$DB")"
ok_eq "the same file twice in one scan" "[20,$MSIZE,$MSIZE,14,1]" \
    "$(scan --db "$T/twice.db" --format json "$M" "$M.gz" | counts /dev/stdin)"

# 4. a grown file is read from where the last scan stopped; a half line waits
G=$T/grown.log DB=$T/grown.db
head -n 10 "$M" > "$G"; sed -n 11p "$M" | head -c 60 >> "$G"
touch -d '2024-03-31 23:00:00 UTC' "$G"
scan --db "$DB" --format json "$G" > "$T/g1.json"
ok_eq "first part: 10 lines read, the half line left" "[11,$(head -n 10 "$M" | wc -c),0,8,2]" "$(counts "$T/g1.json")"
ok_eq "the half line is counted as unterminated" "1" "$(jget "$T/g1.json" 'd["skipped"]["unterminated"]')"
cp "$M" "$G"; touch -d '2024-03-31 23:00:00 UTC' "$G"
ok_eq "grown: only the 10 new lines" "[10,$(sed -n '11,$p' "$M" | wc -c),$(head -n 10 "$M" | wc -c),6,0]" \
    "$(scan --db "$DB" --format json "$G" | counts /dev/stdin)"
ok_eq "grown: same database as one scan" "$(state "$T/dedupe.db" | head -n 5)" "$(state "$DB" | head -n 5)"
# past READER_FPMAX (4096 bytes) the fingerprint is the first 4096 bytes
B=$T/big.log DB=$T/big.db
{ cat "$M"; for i in 1 2 3 4 5 6 7 8 9 10; do sed -n '$p' "$M"; done; } > "$B"
touch -d '2024-03-31 23:00:00 UTC' "$B"
ok_eq "a file over 4 KB" "[30,$(wc -c < "$B"),0,14,1]" "$(scan --db "$DB" --format json "$B" | counts /dev/stdin)"
for s in 10 11 12; do
	printf 'Mar 31 22:59:%s mx sm-mta[3%s]: 423VMZ%s003000: ruleset=check_rcpt, arg1=<v@example.org>, relay=[198.51.100.99], reject=550 5.7.1 <v@example.org>... Relaying denied.\n' "$s" "$s" "$s"
done >> "$B"
touch -d '2024-03-31 23:00:00 UTC' "$B"
ok_eq "it grew by three failures: only those read" "[3,3,1]" \
    "$(scan --db "$DB" --format json "$B" | jget /dev/stdin '[d["lines"], d["failures"], len([b for b in d["bans"] if b["address"] == "198.51.100.99"])]')"
ok_eq "scanned records of the big file" "4096|$(wc -c < "$B")" "$(q "$DB" 'select fplen, offset from scanned where fplen = 4096')"

# 5. --since/--until: failures in [since, until) only; bans starting in it reported
R=$T/range.db
ok_eq "range: two bans" "192.0.2.10	2024-03-05T12:00:03Z	2024-03-05T13:00:03Z	3	sendmail-reject
2001:db8::5	2024-03-20T08:00:02Z		3	sendmail-auth" \
    "$(scan --db "$R" --since 2024-03-05T11:00:00Z --until 1710979200 --format tsv "$M")"
ok_eq "range: only failures inside recorded" "8|1709640001|1710921602" \
    "$(q "$R" 'select count(*), min(time), max(time) from failures')"
ok_eq "range: lines outside counted" '[20,8,8,"2024-03-05T11:00:00Z","2024-03-21T00:00:00Z"]' \
    "$(scan --db "$T/range2.db" --since 2024-03-05T11:00:00Z --until 2024-03-21T00:00:00Z --format json "$M" |
    jget /dev/stdin '[d["lines"], d["skipped"]["outside"], d["failures"], d["since"], d["until"]]')"
scan --db "$R" --since 2024-03-05T11:00:00Z --until 1710979200 --format tsv "$M" > /dev/null
ok_eq "range: the same range again adds nothing" "8" "$(q "$R" 'select count(*) from failures')"
ok_eq "another range reads the file again, for that range only" "[20,3]|11" \
    "$(scan --db "$R" --since 2024-03-21T00:00:00Z --format json "$M" | jget /dev/stdin '[d["lines"], d["failures"]]')|$(
    q "$R" 'select count(*) from failures')"
ok_eq "range over a full scan: reads nothing, reports the bans in range" \
    "[0,0]|2001:db8::5 203.0.113.7" \
    "$(scan --db "$T/dedupe.db" --since 2024-03-10T00:00:00Z --format json "$M" |
    jget /dev/stdin '"[%d,%d]|%s" % (d["lines"], d["failures"], " ".join(b["address"] for b in d["bans"]))')"
ok_eq "range over a full scan: database unchanged" "$before" "$(state "$T/dedupe.db")"

# 6. who attacked us last March?  One command over the rotated .gz logs
ok_eq "last March from mail.log.*.gz" "$(cat "$S/march.tsv")" \
    "$(scan --db "$T/who.db" --since 2024-03-01T00:00:00Z --until 2024-04-01T00:00:00Z --format tsv "$L"/mail.log.*.gz)"
ok_eq "February 29 dated 2024 by the mtime" \
    "198.51.100.66	2024-02-29T00:00:02Z	2024-02-29T01:00:02Z	3	sendmail-reject" \
    "$(scan --db "$T/all.db" --format tsv "$L"/mail.log.*.gz | grep 198.51.100.66)"

# 7. errors: a missing file, damaged gzip, usage
ok_rc "missing file: exit 1" 1 scan --db "$T/miss.db" "$M" "$L/nope.log"
ok_eq "missing file: one line naming it" "mailban: cannot open $L/nope.log: No such file or directory" "$(cat "$T/.out")"
ok_eq "missing file: no database created" "no" "$(test -e "$T/miss.db" && echo yes || echo no)"
head -c 600 "$M.gz" > "$T/cut.gz"; touch -d '2024-03-31 23:00:00 UTC' "$T/cut.gz"
scan --db "$T/cut.db" --format json "$T/cut.gz" > "$T/cut.json" 2> "$T/cut.err"
ok_eq "truncated gzip: one warning" \
    "mailban: $T/cut.gz: damaged gzip data (compressed data ends early): read up to the damage" "$(cat "$T/cut.err")"
ok_eq "truncated gzip: the complete lines before the damage" "[14,8,1]" \
    "$(jget "$T/cut.json" '[d["lines"], d["failures"], d["skipped"]["unterminated"]]')"
ok_eq "the whole .gz then: read from where the damaged one stopped" "[7,6,$(head -n 13 "$M" | wc -c)]" \
    "$(scan --db "$T/cut.db" --format json "$M.gz" | jget /dev/stdin '[d["lines"], d["failures"], d["bytes_known"]]')"
# A bomb: 100 MiB of "x\n" in about 100 KB of gzip, over the 64 MiB floor.
python3 -c 'import sys, zlib
c = zlib.compressobj(9, zlib.DEFLATED, 31)
o = open(sys.argv[1], "wb")
for i in range(100):
    o.write(c.compress(b"x\n" * 524288))
o.write(c.flush())' "$T/bomb.gz"
scan --db "$T/bomb.db" --format json "$T/bomb.gz" > "$T/bomb.json" 2> "$T/bomb.err"
ok_eq "a .gz over the limit: one warning naming the limit, not damage" \
    "mailban: $T/bomb.gz: over the limit of 67108864 uncompressed bytes (64 times its compressed size, at least 64 MiB): the rest of it is skipped" "$(cat "$T/bomb.err")"
{ printf 'x%.0s' $(seq 1 70000); printf '\n'; sed -n '2,4p' "$M" | sed 's/$/\r/'; } > "$T/odd.log"
ok_eq "overlong line skipped, CRLF lines read" "[4,1,3]" \
    "$(scan --db "$T/odd.db" --now 2024-04-01T00:00:00Z --format json "$T/odd.log" | jget /dev/stdin '[d["lines"], d["skipped"]["overlong"], d["failures"]]')"
ok_rc "no --db: usage" 64 scan "$M"
ok_eq "no --db: message" "mailban: scan: --db FILE is required (never the live database by default) (see mailban --help)" "$(cat "$T/.out")"
ok_rc "bad --format: usage" 64 scan --db "$T/u.db" --format xml "$M"
ok_eq "bad --format: message" "mailban: scan: --format xml: use text, tsv or json (see mailban --help)" "$(cat "$T/.out")"
ok_rc "--since after --until: usage" 64 scan --db "$T/u.db" --since 2024-04-01T00:00:00Z --until 2024-03-01T00:00:00Z "$M"
ok_eq "--since after --until: message" "mailban: scan: --since must be before --until (see mailban --help)" "$(cat "$T/.out")"
ok_eq "usage errors create no database" "no" "$(test -e "$T/u.db" && echo yes || echo no)"

# 8. progress on a terminal only (script(1) gives a pty), cleared at the end
ok_eq "progress line on a terminal" "$(printf '\rmailban: scan: file 1/1, 0.0 MB, 0 lines, 100%%\033[K\r\033[K')" \
    "$(script -qec "$MAILBAN scan -c $CONF --db $T/tty.db $M > /dev/null" /dev/null)"

# 9. no firewall without --apply; --apply only into the live database
ok_eq "scan touched no firewall" "" "$(iptables-save -t filter | grep fail2ban-mail; ip6tables-save -t filter | grep fail2ban-mail)"
ok_rc "--apply with another database: usage" 64 scan --db "$T/tsv.db" --apply "$M"
ok_eq "--apply refusal names the live database" "mailban: scan: --apply needs --db to be the live database $LIVE (the chains hold its bans: those of another database would replace them until the next run) (see mailban --help)" "$(cat "$T/.out")"
: > "$LOG"
ok_rc "the live logpath is refused" 64 scan --db "$LIVE" --apply "$LOG"
ok_eq "the live database is not created by a refusal" "no" "$(test -e "$LIVE" && echo yes || echo no)"
R4='-p tcp -j REJECT --reject-with tcp-reset'
JUMP='-A INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail'
ok_eq "--apply: the bans in force at --now" "firewall at 2024-03-31T22:30:00Z: 2 active bans, rules +2 -0" \
    "$(scan --db "$LIVE" --apply --now 2024-03-31T22:30:00Z "$M" | tail -n 1)"
ok_eq "--apply: iptables holds the IPv4 ban" "$JUMP
-A fail2ban-mail -s 203.0.113.7/32 $R4" "$(iptables-save -t filter | grep -E '^-A (fail2ban-mail|INPUT)')"
ok_eq "--apply: ip6tables holds the permanent ban" "$JUMP
-A fail2ban-mail -s 2001:db8::5/128 $R4" "$(ip6tables-save -t filter | grep -E '^-A (fail2ban-mail|INPUT)')"
ok_eq "--apply: no reader position" "0" "$(q "$LIVE" 'select count(*) from positions')"
ok_eq "--apply later: expired ban removed, json" '{"now":"2024-03-31T23:00:03Z","active":1,"added":0,"removed":1}' \
    "$(scan --db "$LIVE" --apply --now 2024-03-31T23:00:03Z --format json "$M" | jget /dev/stdin 'd["applied"]')"
ok_eq "--apply later: chain" "$JUMP" "$(iptables-save -t filter | grep -E '^-A (fail2ban-mail|INPUT)')"
ok_eq "a run afterwards keeps the scanned bans" "" "$("$MAILBAN" run -c "$CONF" --now 2024-03-31T23:00:04Z 2>&1)"
ok_eq "a run afterwards: ip6tables unchanged" "$JUMP
-A fail2ban-mail -s 2001:db8::5/128 $R4" "$(ip6tables-save -t filter | grep -E '^-A (fail2ban-mail|INPUT)')"
# the live database is written under the run lock: the scan waits for a run
flock "$LIVE.lock" sh -c "sleep 1; echo released > $T/released" &
sleep 0.3
scan --db "$LIVE" --format tsv "$L/mail.log.2" > /dev/null
ok_eq "a scan into the live database waits for the run lock" "released" "$(cat "$T/released" 2>&1)"
wait

# 10. a damaged .gz: scan reads exactly the lines run reads (one inflater)
# 40,000 generated lines (RFC 3339 dates, a failure every 40th), gzip -n,
# one byte of the compressed data changed at 40%: the damage is found only
# at the end (crc), after what zlib inflated meanwhile.
Z=$T/z; mkdir -p "$Z/log" "$Z/st"; chmod 700 "$Z/st"
awk 'BEGIN { for (i = 0; i < 40000; i++) { s = i % 86400
	t = sprintf("2026-11-25T%02d:%02d:%02d+00:00", int(s / 3600), int(s / 60) % 60, s % 60)
	if (i % 40 == 0) printf "%s mx sm-mta[%d]: 4AQA%010d: ruleset=check_rcpt, arg1=<u%d@example.org>, relay=[198.51.100.%d], reject=550 5.7.1 <u%d@example.org>... Relaying denied. Proper authentication required.\n", t, 1000 + i % 9000, i, i, i % 200, i
	else printf "%s mx sm-mta[%d]: 4AQA%010d: from=<a%d@example.com>, size=%d, class=0, nrcpts=1, msgid=<%d@example.com>, proto=ESMTP, daemon=MTA, relay=mail.example.com [203.0.113.%d]\n", t, 1000 + i % 9000, i, i, 100 + i, i, i % 250 } }' |
    gzip -n > "$Z/good.gz"
python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) * 2 // 5] ^= 0x55
open(sys.argv[2], "wb").write(d)' "$Z/good.gz" "$Z/bad.gz"
sed -e "s|^logpath .*|logpath = $Z/log/mail.log|" -e "s|^database .*|database = $Z/st/live.db|" \
    "$CONF" > "$Z/c"; chmod 600 "$Z/c"
# run reads it as a rotated file: mail.log (empty, read once) -> mail.log.1,
# then the damaged mail.log-20261126.gz, newer, then a new mail.log
: > "$Z/log/mail.log"
"$MAILBAN" run -c "$Z/c" --now 2026-11-26T12:00:00Z
mv "$Z/log/mail.log" "$Z/log/mail.log.1"; touch -d '2026-11-25 00:00 UTC' "$Z/log/mail.log.1"
cp "$Z/bad.gz" "$Z/log/mail.log-20261126.gz"; touch -d '2026-11-26 00:00 UTC' "$Z/log/mail.log-20261126.gz"
: > "$Z/log/mail.log"
"$MAILBAN" run -c "$Z/c" --now 2026-11-26T12:00:00Z 2> "$Z/run.err"
"$MAILBAN" scan -c "$Z/c" --db "$Z/scan.db" --now 2026-11-26T12:00:00Z --format json "$Z/bad.gz" > "$Z/scan.json" 2> "$Z/scan.err"
ok_eq "damaged .gz: run and scan read the same lines, skip the same, count the same failures" \
    "$(sqlite3 "$Z/st/live.db" 'select lines, skipped, failures from runs order by id desc limit 1')" \
    "$(jget "$Z/scan.json" '"%d|%d|%d" % (d["lines"] - d["skipped"]["unterminated"], d["skipped"]["total"] - d["skipped"]["unterminated"], d["failures"])')"
ok_eq "damaged .gz: all 40,000 lines inflated (the crc finds the damage at the end)" "40000" \
    "$(jget "$Z/scan.json" 'd["lines"] - d["skipped"]["unterminated"]')"
ok_eq "damaged .gz: one warning each, the same reason" "incorrect data check|incorrect data check" \
    "$(sed 's/.*(\(.*\)).*/\1/' "$Z/scan.err")|$(sed 's/.*\.gz: \(.*\) at offset.*/\1/' "$Z/run.err")"

# 11. every input has an end: a device is refused; a stream with no line
# end for 16 MiB (NULs) is stopped, counted as one overlong line; a regular
# file's NUL flood is skipped and counted, and the lines after it are read
# (timeout is only a safety net: a hang fails the exit code check)
ok_rc "scan /dev/zero: refused, exit 64" 64 timeout 20 "$MAILBAN" scan -c "$CONF" --db "$T/zero.db" /dev/zero
ok_eq "scan /dev/zero: one line naming it" \
    "mailban: /dev/zero: is a device, not a log (give log files, or - for standard input)" "$(cat "$T/.out")"
ok_eq "scan /dev/zero: no database created" "no" "$(test -e "$T/zero.db" && echo yes || echo no)"
ok_rc "scan - from /dev/zero: refused, exit 64" 64 timeout 20 sh -c "\"$MAILBAN\" scan -c \"$CONF\" --db \"$T/zero.db\" - < /dev/zero"
ok_eq "scan - from /dev/zero: one line" \
    "mailban: -: standard input is a device, not a log (redirect a file or a pipe to it)" "$(cat "$T/.out")"
ok_rc "a NUL stream on a pipe ends, exit 0" 0 timeout 20 sh -c "cat /dev/zero | \"$MAILBAN\" scan -c \"$CONF\" --db \"$T/zpipe.db\" --format json - > \"$T/zpipe.json\""
ok_eq "a NUL stream on a pipe: one warning" \
    "mailban: -: no line end in 16777216 bytes: not a log, reading stopped" "$(cat "$T/.out")"
ok_eq "a NUL stream on a pipe: one overlong line" "[1,1,0]" \
    "$(jget "$T/zpipe.json" '[d["lines"], d["skipped"]["overlong"], d["failures"]]')"
{ head -c 20000000 /dev/zero; echo; sed -n '2,4p' "$M"; } > "$T/nul.log"
ok_eq "a NUL flood in a regular file: skipped, counted, the lines after it read" "[4,1,3]" \
    "$(scan --db "$T/nul.db" --now 2024-04-01T00:00:00Z --format json "$T/nul.log" | jget /dev/stdin '[d["lines"], d["skipped"]["overlong"], d["failures"]]')"

# 12. scan --db LIVE never counts twice what run read: the file at the saved
# reader position is refused whatever it is called (renamed by logrotate,
# a copy, its .gz, standard input): by (dev, inode) or by its first bytes
P=$T/p; mkdir -p "$P/log" "$P/st"; chmod 700 "$P/st"
sed -e "s|^logpath .*|logpath = $P/log/mail.log|" -e "s|^database .*|database = $P/st/live.db|" \
    "$CONF" > "$P/c"; chmod 600 "$P/c"
for s in 1 2; do
	printf '2026-11-26T10:00:0%s+00:00 mx sm-mta[40%s]: 4AQA000000004%s: ruleset=check_rcpt, arg1=<u@example.org>, relay=[198.51.100.40], reject=550 5.7.1 <u@example.org>... Relaying denied. Proper authentication required.\n' "$s" "$s" "$s"
done > "$P/log/mail.log"
"$MAILBAN" run -c "$P/c" --now 2026-11-26T10:01:00Z
pq() { sqlite3 "$P/st/live.db" "$1"; }
pstate() { echo "$(pq 'select count(*) from failures')|$(pq 'select count(*) from bans')"; }
ok_eq "run read 2 failures, no ban" "2|0" "$(pstate)"
mv "$P/log/mail.log" "$P/log/mail.log.1"; : > "$P/log/mail.log"
pscan() { "$MAILBAN" scan -c "$P/c" --db "$P/st/live.db" --now 2026-11-26T10:02:00Z "$@"; }
ok_rc "the rotated file run read: refused, exit 64" 64 pscan "$P/log/mail.log.1"
ok_eq "the rotated file run read: one line" "mailban: $P/log/mail.log.1: mailban run has read it (it is, or starts like, the file at the saved position of $P/log/mail.log): scanning it into the live database would count its failures twice (scan it into another --db)" "$(cat "$T/.out")"
ok_eq "the rotated file run read: still 2 failures, no ban" "2|0" "$(pstate)"
ok_rc "the same on standard input: refused" 64 sh -c "cat \"$P/log/mail.log.1\" | \"$MAILBAN\" scan -c \"$P/c\" --db \"$P/st/live.db\" --now 2026-11-26T10:02:00Z -"
ok_eq "the same on standard input: one line" "mailban: -: mailban run has read it (it is, or starts like, the file at the saved position of $P/log/mail.log): scanning it into the live database would count its failures twice (scan it into another --db)" "$(cat "$T/.out")"
gzip -n -c "$P/log/mail.log.1" > "$T/copy.gz"
ok_rc "a compressed copy elsewhere: refused" 64 pscan "$M" "$T/copy.gz"
ok_eq "refusals write nothing, not even the files before" "2|0" "$(pstate)"
ok_eq "into another database it is read" "[2,2]" \
    "$("$MAILBAN" scan -c "$P/c" --db "$P/other.db" --format json "$P/log/mail.log.1" | jget /dev/stdin '[d["lines"], d["failures"]]')"
ok_eq "an older log into the live database is read" "[20,14]" \
    "$(pscan --format json "$M" | jget /dev/stdin '[d["lines"], d["failures"]]')"
