#!/bin/sh
# t35-test-cmd.sh -- `mailban test`, fail2ban-regex's job: the seed
# article's own regexes pasted as written (in a filter section and with
# --regex), host names never taken for addresses, other daemons ignored,
# and the text summary.
. tests/lib.sh
LOG=tests/seed/mail.log
NOW=2026-11-26T12:00:00Z
tsv() { TZ=UTC "$MAILBAN" test -c conf/mailban.conf --now $NOW --format tsv "$@" 2>&1; }
R1='[[](?P<host>\S*)[]] (?:did not issue|[(]may be forged[)])'
R2='\[<HOST>\] .*to MTA'
R3='\[<HOST>\] \(may be forged\)'
R4='\[<HOST>\], reject.*\.\.\. Relaying denied'

ok_eq "seed regex 1 (2008 named group)" "1	2026-11-26T10:00:01	192.0.2.31	regex	--regex
2	2026-11-26T10:00:02	192.0.2.32	regex	--regex
5	2026-11-26T10:00:05	192.0.2.35	regex	--regex
7	2026-11-26T10:00:07	2001:db8::37	regex	--regex" "$(tsv --regex "$R1" $LOG)"
ok_eq "seed regex 2" "1	2026-11-26T10:00:01	192.0.2.31	regex	--regex
2	2026-11-26T10:00:02	192.0.2.32	regex	--regex
3	2026-11-26T10:00:03	192.0.2.33	regex	--regex
7	2026-11-26T10:00:07	2001:db8::37	regex	--regex" "$(tsv --regex "$R2" $LOG)"
ok_eq "seed regex 3" "2	2026-11-26T10:00:02	192.0.2.32	regex	--regex
5	2026-11-26T10:00:05	192.0.2.35	regex	--regex" "$(tsv --regex "$R3" $LOG)"
ok_eq "seed regex 4" "4	2026-11-26T10:00:04	192.0.2.34	regex	--regex" "$(tsv --regex "$R4" $LOG)"

# The same four, pasted as a filter section of a config file.
{ sed '/^\[sendmail-reject\]/,$d' conf/mailban.conf
  printf '[seed]\nfailregex.1 = %s\nfailregex.2 = %s\nfailregex.3 = %s\nfailregex.4 = %s\n' \
      "$R1" "$R2" "$R3" "$R4"; } > "$T/seed.conf"
chmod 600 "$T/seed.conf"
ok_eq "seed section: configuration OK" "configuration OK" \
    "$("$MAILBAN" config --check -c "$T/seed.conf" 2>&1)"
ok_eq "seed section: first matching regex per line" "1	2026-11-26T10:00:01	192.0.2.31	seed	failregex.1
2	2026-11-26T10:00:02	192.0.2.32	seed	failregex.1
3	2026-11-26T10:00:03	192.0.2.33	seed	failregex.2
4	2026-11-26T10:00:04	192.0.2.34	seed	failregex.4
5	2026-11-26T10:00:05	192.0.2.35	seed	failregex.1
7	2026-11-26T10:00:07	2001:db8::37	seed	failregex.1" \
    "$(TZ=UTC "$MAILBAN" test -c "$T/seed.conf" --now $NOW --format tsv $LOG 2>&1)"

# The shipped filters never take a host name for an address: line 6 is
# missed, and with the 2008 regex (whose group takes any \S*) it is
# counted as a bad address, never resolved.
ok_eq "host name is a bad address, not a ban" "1" \
    "$(TZ=UTC "$MAILBAN" test -c conf/mailban.conf --now $NOW --regex "$R1" $LOG | sed -n 's/.* \([0-9]*\) bad addresses.*/\1/p')"

# The text summary of the shipped filters on the same sample: every
# active pattern by key (as the database names it), no place in a list.
ok_eq "text summary" "Lines: 8 lines, 5 matched failures, 0 ignored, 0 skipped (not syslog), 0 bad addresses, 0 overlong, 0 waiting for a queue id
Failregex hits:
  [1] sendmail-reject failregex.1
  [0] sendmail-reject failregex.2
  [0] sendmail-reject failregex.3
  [0] sendmail-reject failregex.4
  [0] sendmail-reject failregex.5
  [0] sendmail-reject failregex.6
  [0] sendmail-reject failregex.7
  [0] sendmail-reject failregex.8
  [0] sendmail-reject failregex.9
  [0] sendmail-reject failregex.10
  [0] sendmail-reject failregex.11
  [0] sendmail-reject failregex.12
  [0] sendmail-reject failregex.13
  [0] sendmail-reject failregex.14
  [0] sendmail-reject failregex.15
  [0] sendmail-reject failregex.16
  [0] sendmail-reject failregex.17
  [0] sendmail-reject failregex.18
  [0] sendmail-reject failregex.19
  [0] sendmail-reject failregex.20
  [0] sendmail-reject failregex.21
  [0] sendmail-reject failregex.22
  [0] sendmail-reject failregex.23
  [3] sendmail-reject failregex.extra.1
  [1] sendmail-reject failregex.extra.2
  [0] sendmail-reject failregex.extra.3
  [0] sendmail-reject failregex.extra.4
  [0] sendmail-reject failregex.extra.5
  [0] sendmail-reject failregex.extra.6
  [0] sendmail-reject failregex.extra.7
  [0] sendmail-reject failregex.extra.8
  [0] sendmail-reject failregex.extra.9
  [0] sendmail-auth failregex.1
  [0] sendmail-auth failregex.2
  [0] sendmail-auth failregex.3
Date formats: BSD 8, RFC 3339 0, ISO 0" \
    "$(TZ=UTC "$MAILBAN" test -c conf/mailban.conf --now $NOW $LOG 2>&1)"
ok_eq "--print missed" "$(sed -n '5,6p;8p' $LOG)" \
    "$(TZ=UTC "$MAILBAN" test -c conf/mailban.conf --now $NOW --print missed $LOG 2>&1)"
ok_eq "stdin and --filter NAME:MODE" "1	2026-11-26T10:00:05	192.0.2.35	sendmail-reject	failregex.aggressive.1" \
    "$(sed -n 5p $LOG | TZ=UTC "$MAILBAN" test -c conf/mailban.conf --now $NOW --format tsv \
        --filter sendmail-reject:aggressive - 2>&1)"
ok_eq "unknown filter is a usage error" "mailban: test: --filter nope: no such filter section in conf/mailban.conf (see mailban --help)
rc=64" "$("$MAILBAN" test -c conf/mailban.conf --filter nope $LOG 2>&1; echo "rc=$?")"
ok_eq "a regex without host group is a config error" "mailban: conf/mailban.conf:0: [regex] --regex: no host group: did not issue (add <HOST> where the address appears; tags are upper case)
rc=78" "$("$MAILBAN" test -c conf/mailban.conf --regex 'did not issue' $LOG 2>&1; echo "rc=$?")"
# A rotated .gz reads as scan reads it (the reader's own inflater), from a
# file and from standard input; two gzip members one after the other.
gzip -c $LOG > "$T/mail.log.2.gz"
ok_eq "a .gz file" "$(tsv --regex "$R2" $LOG)" "$(tsv --regex "$R2" "$T/mail.log.2.gz")"
ok_eq "a .gz on standard input" "$(tsv --regex "$R2" $LOG)" \
    "$(tsv --regex "$R2" - < "$T/mail.log.2.gz")"
{ sed -n 1,3p $LOG | gzip -c; sed -n '4,$p' $LOG | gzip -c; } > "$T/two.gz"
ok_eq "two gzip members" "$(tsv --regex "$R2" $LOG)" "$(tsv --regex "$R2" "$T/two.gz")"
# Cut inside line 2's address ("192.0.2.3" of 192.0.2.32): line 1 only,
# never the cut line.
n=$(($(sed -n 1p $LOG | wc -c) + $(sed -n 2p $LOG | sed 's/192\.0\.2\.32.*//' | wc -c) + 8))
python3 -c 'import sys, zlib
d = open(sys.argv[1], "rb").read()[:int(sys.argv[2])]
c = zlib.compressobj(9, zlib.DEFLATED, 31)
z = c.compress(d) + c.flush(zlib.Z_SYNC_FLUSH)
open(sys.argv[3], "wb").write(z)' "$LOG" "$n" "$T/cut.gz"
TZ=UTC "$MAILBAN" test -c conf/mailban.conf --now $NOW --format tsv --regex '\[<HOST>' \
    "$T/cut.gz" > "$T/out" 2> "$T/err"; echo "rc=$?" >> "$T/out"
ok_eq "a cut .gz is read up to the damage, never the cut line" "1	2026-11-26T10:00:01	192.0.2.31	regex	--regex
rc=0
mailban: $T/cut.gz: damaged gzip data (compressed data ends early): read up to the damage" \
    "$(cat "$T/out" "$T/err")"
python3 -c 'import sys, zlib
c = zlib.compressobj(9, zlib.DEFLATED, 31)
o = open(sys.argv[1], "wb")
for i in range(100):
    o.write(c.compress(b"x\n" * 524288))
o.write(c.flush())' "$T/bomb.gz"
TZ=UTC "$MAILBAN" test -c conf/mailban.conf --now $NOW --format tsv --regex '\[<HOST>' \
    "$T/bomb.gz" > "$T/out" 2> "$T/err"; echo "rc=$?" >> "$T/out"
ok_eq "a .gz over the limit: one warning naming the limit, not damage" "rc=0
mailban: $T/bomb.gz: over the limit of 67108864 uncompressed bytes (64 times its compressed size, at least 64 MiB): the rest of it is skipped" \
    "$(cat "$T/out" "$T/err")"
