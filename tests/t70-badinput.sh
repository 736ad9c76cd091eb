#!/bin/sh
# t70-badinput.sh -- bad input is data, not a crash: skipped and counted
# in the runs table, never a ban of a wrong address.  Each case appends
# to the log and runs; "last" is the runs row of that run:
#   lines|skipped|failures|newbans
. tests/lib.sh
need_root_netns "$@"
. tests/torture/lib70.sh
conf70

last() { q 'select lines, skipped, failures, newbans from runs order by id desc limit 1'; }
r() { run70 "$1" 2>&1; echo "rc=$?"; }
addrs() { q 'select group_concat(address, " ") from (select distinct address from failures order by address)'; }
# one relay line: sm TIME MIDDLE-OF-RELAY-FIELD (raw printf format)
sm() { printf "Nov 26 $1 mx sm-mta[1]: 5AQA0001q0000001: ruleset=check_rcpt, arg1=<u@example.org>, relay=$2, reject=550 5.7.1 <u@example.org>... Relaying denied. Proper authentication required.\n"; }
NOW=2026-11-26T11:00:00Z

# 1. a 1 MB line (even one holding a failure) is skipped whole, not cut
{ fail 10:00:01 192.0.2.31
  printf 'Nov 26 10:00:02 mx sm-mta[1]: 5AQA0001q0000001: ruleset=check_rcpt, arg1=<'
  head -c 1048576 /dev/zero | tr '\0' x
  printf '@example.org>, relay=[192.0.2.39], reject=550 5.7.1 <u@example.org>... Relaying denied. Proper authentication required.\n'
  head -c 1048576 /dev/zero | tr '\0' y; echo; } > "$LOG"
ok_eq "1 MB lines: quiet" "rc=0" "$(r $NOW)"
ok_eq "1 MB lines: two skipped" "1|2|1|0" "$(last)"
ok_eq "1 MB lines: every byte consumed" "$(wc -c < "$LOG")" "$(q 'select sum(bytes) from runs')"
ok_eq "1 MB lines: only the real failure" "192.0.2.31" "$(addrs)"

# 2. NUL bytes: in the message the pattern does not match; in the host
#    field the line is not syslog (skipped)
{ sm 10:01:01 '[192.0.2.32]\0'; sm 10:01:02 '[192.0.2.32\0]'; sm 10:01:03 '\0[192.0.2.32]'
  printf 'Nov 26 10:01:04 m\0x sm-mta[1]: 5AQA0001q0000001: ruleset=check_rcpt, arg1=<u@example.org>, relay=[192.0.2.33], reject=550 5.7.1 <u@example.org>... Relaying denied. Proper authentication required.\n'
  printf '\0\0\0\n'; } >> "$LOG"
ok_eq "NUL: quiet" "rc=0" "$(r $NOW)"
ok_eq "NUL: 2 skipped, no failure" "5|2|0|0" "$(last)"

# 3. invalid UTF-8: bytes are bytes; the address still comes from relay=
{ sm 10:02:01 '[192.0.2.34]' | sed 's/<u@/<\xff\xfe@/g'
  printf 'Nov 26 10:02:02 mx sm-mta[1]: \xc3\x28\xa0\xa1 relay=[192.0.2.35]\n'; } >> "$LOG"
ok_eq "UTF-8: quiet" "rc=0" "$(r $NOW)"
ok_eq "UTF-8: one failure, nothing skipped" "2|0|1|0" "$(last)"
ok_eq "UTF-8: its relay address" "192.0.2.31 192.0.2.34" "$(addrs)"

# 4. CRLF ends a line (one CR removed); any other CR is an ordinary byte
{ fail 10:03:01 192.0.2.36 | sed 's/$/\r/'; sm 10:03:02 '\r[192.0.2.37]'
  sm 10:03:03 '[192.0.2.37]\r'; fail 10:03:04 192.0.2.37 | sed 's/$/\r\r/'; } >> "$LOG"
ok_eq "CR: quiet" "rc=0" "$(r $NOW)"
ok_eq "CR: CRLF line counted, other CRs do not match" "4|0|1|0" "$(last)"
ok_eq "CR: addresses" "192.0.2.31 192.0.2.34 192.0.2.36" "$(addrs)"

# 5. a log that is not text at all
{ cat /bin/ls; echo; } >> "$LOG"
nl=$(($(tr -dc '\n' < /bin/ls | wc -c) + 1))
ok_eq "binary: quiet" "rc=0" "$(r $NOW)"
ok_eq "binary: every line skipped, no failure" "$nl|$nl|0|0" "$(last)"

# 6. invalid addresses: never recorded.  A host group that matched but is
#    no address (999.1.1.1, 256.256.256.256, IPv6:2001:db8::1::2,
#    01.02.03.004) is skipped; the others do not match the pattern at all
{ sm 10:04:01 '[999.1.1.1]'; sm 10:04:02 '[1.2.3]'; sm 10:04:03 '[::g]'; sm 10:04:04 '[IPv6:]'
  sm 10:04:05 '[]'; sm 10:04:06 '[256.256.256.256]'; sm 10:04:07 '[1.2.3.4.5]'
  sm 10:04:08 '[IPv6:2001:db8::1::2]'; sm 10:04:09 '[01.02.03.004]'; } >> "$LOG"
ok_eq "bad addresses: quiet" "rc=0" "$(r $NOW)"
ok_eq "bad addresses: 9 lines, 4 skipped, no failure" "9|4|0|0" "$(last)"

# 7. impossible dates and times are skipped
{ fail 10:05:01 192.0.2.38 "Feb 30"; fail 25:61:00 192.0.2.38; fail 10:60:00 192.0.2.38
  fail 10:05:02 192.0.2.38 "Nov 31"; fail 10:05:03 192.0.2.38 "Foo 12"
  fail 10:05:04 192.0.2.38 | sed 's/^Nov 26 10:05:04/2026-13-01T10:05:04+00:00/'
  fail 10:05:05 192.0.2.38 | sed 's/^Nov 26 10:05:05/2026-11-26T10:05:05+25:00/'; } >> "$LOG"
ok_eq "bad dates: quiet" "rc=0" "$(r $NOW)"
ok_eq "bad dates: all 7 skipped" "7|7|0|0" "$(last)"
ok_eq "bad dates: never recorded" "0" "$(q "select count(*) from failures where address = '192.0.2.38'")"

# 8. a Dec 31 -> Jan 1 crossing inside one run
{ fail 23:59:58 192.0.2.51 "Dec 31"; fail 23:59:59 192.0.2.51 "Dec 31"
  fail 00:00:00 192.0.2.51 "Jan  1"; fail 00:00:01 192.0.2.51 "Jan  1"; } >> "$LOG"
ok_eq "new year: quiet" "rc=0" "$(r 2027-01-01T00:05:00Z)"
ok_eq "new year: the years follow the log" "2026-12-31 23:59:58|1
2026-12-31 23:59:59|1
2027-01-01 00:00:00|1
2027-01-01 00:00:01|" \
    "$(q "select datetime(time, 'unixepoch'), ban_id from failures where address = '192.0.2.51' order by id")"
ok_eq "new year: ban at the third" "2027-01-01 00:00:00|2027-01-01 01:00:00|3" \
    "$(q "select datetime(start, 'unixepoch'), datetime(\"end\", 'unixepoch'), failures from bans where address = '192.0.2.51'")"
ok_eq "new year: applied" "1" "$(chain4 | grep -c -- '-s 192.0.2.51/32')"

# 9. the DST fall-back hour in Europe/Berlin (2026-10-25 03:00 CEST ->
#    02:00 CET): a repeated local time follows the order of the log, as
#    syslog.h says (02:00:01 after 02:59:59 is the second, CET); no ban has
#    a negative span
{ fail 02:50:00 192.0.2.52 "Oct 25"; fail 02:55:00 192.0.2.52 "Oct 25"
  fail 02:59:59 192.0.2.52 "Oct 25"; fail 02:00:01 192.0.2.52 "Oct 25"
  fail 02:04:00 192.0.2.52 "Oct 25"; fail 03:00:00 192.0.2.52 "Oct 25"; } >> "$LOG"
ok_eq "DST: quiet" "rc=0" "$(TZ=Europe/Berlin run70 2026-10-25T03:00:00Z 2>&1; echo "rc=$?")"
ok_eq "DST: UTC times (02:00:01 CET after 02:59:59 CEST read as 01:00:01Z)" "2026-10-25 00:50:00|1
2026-10-25 00:55:00|1
2026-10-25 00:59:59|1
2026-10-25 01:00:01|0
2026-10-25 01:04:00|0
2026-10-25 02:00:00|0" \
    "$(q "select datetime(time, 'unixepoch'), ban_id is not null from failures where address = '192.0.2.52' order by time")"
ok_eq "DST: one ban of exactly bantime" "2026-10-25 00:59:59|3600|3" \
    "$(q "select datetime(start, 'unixepoch'), \"end\" - start, failures from bans where address = '192.0.2.52'")"

# 10. timestamps years behind: recorded, banned in the past (history),
#     purged by dbpurgeage, never applied
rfc() { fail "$2" "$3" | sed "s/^Nov 26 $2/$1T$2+00:00/"; }
{ rfc 2016-11-26 10:00:01 192.0.2.42; rfc 2016-11-26 10:00:02 192.0.2.42
  rfc 2016-11-26 10:00:03 192.0.2.42; } >> "$LOG"
ok_eq "years behind: quiet" "rc=0" "$(r $NOW)"
ok_eq "years behind: 3 failures, 1 ban" "3|0|3|1" "$(last)"
ok_eq "years behind: ban in 2016" "2016-11-26 10:00:03|3600" \
    "$(q "select datetime(start, 'unixepoch'), \"end\" - start from bans where address = '192.0.2.42'")"
ok_eq "years behind: failures purged (dbpurgeage)" "0" \
    "$(q "select count(*) from failures where address = '192.0.2.42'")"
ok_eq "years behind: not applied" "0" "$(chain4 | grep -c -- '-s 192.0.2.42/32')"

# 11. timestamps years ahead: never applied now
{ rfc 2031-11-26 10:00:01 192.0.2.41; rfc 2031-11-26 10:00:02 192.0.2.41
  rfc 2031-11-26 10:00:03 192.0.2.41; } >> "$LOG"
ok_eq "years ahead: quiet" "rc=0" "$(r $NOW)"
ok_eq "years ahead: not applied" "0" "$(chain4 | grep -c -- '-s 192.0.2.41/32')"
# A line dated more than a day after --now is skipped and counted, as BSD
# years are bounded (its ban would wait years, for someone else's address).
ok_eq "years ahead: skipped, not recorded" "3|3|0|0" "$(last)"

# 12. the clock steps back between runs (--now earlier than the last run)
{ fail 10:00:01 192.0.2.53; fail 10:00:02 192.0.2.53; } >> "$LOG"
r 2026-11-26T10:30:00Z > /dev/null
{ fail 10:00:03 192.0.2.53; fail 10:00:04 192.0.2.54; fail 10:00:05 192.0.2.54
  fail 10:00:06 192.0.2.54; } >> "$LOG"
ok_eq "clock back: quiet" "rc=0" "$(r 2026-11-26T09:00:00Z)"
ok_eq "clock back: failures once, at their log times" "2026-11-26 10:00:01|192.0.2.53
2026-11-26 10:00:02|192.0.2.53
2026-11-26 10:00:03|192.0.2.53
2026-11-26 10:00:04|192.0.2.54
2026-11-26 10:00:05|192.0.2.54
2026-11-26 10:00:06|192.0.2.54" \
    "$(q "select datetime(time, 'unixepoch'), address from failures where address in ('192.0.2.53', '192.0.2.54') order by id")"
ok_eq "clock back: bans in event time" "192.0.2.53|2026-11-26 10:00:03|3600
192.0.2.54|2026-11-26 10:00:06|3600" \
    "$(q "select address, datetime(start, 'unixepoch'), \"end\" - start from bans where address in ('192.0.2.53', '192.0.2.54') order by address")"
# A ban is in force when start <= now < end: with the clock behind the
# log, the bans wait for the clock (see the report).
ok_eq "clock back: not in force before their start" "0" "$(chain4 | grep -c -- '-s 192.0.2.5[34]/32')"
ok_eq "clock right again: applied" "rc=0" "$(r 2026-11-26T10:31:00Z)"
ok_eq "clock right again: both rules" "2" "$(chain4 | grep -c -- '-s 192.0.2.5[34]/32')"
ok_eq "clock right again: nothing read twice" "0|0|0|0" "$(last)"
