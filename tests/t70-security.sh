#!/bin/sh
# t70-security.sh -- log text never reaches the firewall; files an
# unprivileged user could change are refused; maxbans caps the damage of a
# bad pattern.
#   - crafted lines (options, newlines via CR/NUL, "--" options, user
#     names holding relay=[...]): the restore scripts (--dry-run) hold only
#     the fixed lines and canonical addresses, and so do the live chains
#   - as root: a config or database that is group/world-writable, not
#     owned by root, or a symbolic link is refused with an exact message
#   - maxbans = 3 with 5 attackers: exactly 3 rules, one warning line
. tests/lib.sh
need_root_netns "$@"
. tests/torture/lib70.sh
conf70 maxretry=1

sm() { printf "Nov 26 $1 mx sm-mta[1]: 5AQA0001q0000001: ruleset=check_rcpt, arg1=<u@example.org>, relay=$2, reject=550 5.7.1 <u@example.org>... Relaying denied. Proper authentication required.\n"; }
auth() { printf "Nov 26 $1 mx sm-mta[1]: 5AQA0001q0000002: AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: checkpass failed, user=$2, relay=$3\n"; }
{ sm 10:00:01 '[1.2.3.4 -j ACCEPT]'
  sm 10:00:02 '[192.0.2.71]\r-A INPUT -j ACCEPT'
  sm 10:00:03 '[192.0.2.71]\0\n-A INPUT -j ACCEPT'
  sm 10:00:04 '[--flush]'; sm 10:00:05 '[-F]'
  sm 10:00:06 '[192.0.2.74/0]'; sm 10:00:07 '[0.0.0.0/0]'
  sm 10:00:08 'evil.example [192.0.2.75] -j ACCEPT'
  sm 10:00:09 '[IPv6:2001:DB8:0:0::7]'; sm 10:00:10 '[::ffff:192.0.2.73]'
  sm 10:00:11 '[192.0.2.76%%eth0]'; sm 10:00:12 '[fe80::1%%eth0]'
  sm 10:00:13 '[192.0.2.77\n-A INPUT -j ACCEPT]'
  auth 10:00:14 'x, relay=[203.0.113.250]' '[192.0.2.72]'
  auth 10:00:15 'x, relay=[203.0.113.251], reject=550' 'mx.example.net [198.51.100.77]'
  auth 10:00:16 '[203.0.113.252]' '[198.51.100.78] -j ACCEPT'
  auth 10:00:17 'a\0b\r-X' '[198.51.100.79]'
  auth 10:00:18 '-j ACCEPT --' '[2001:db8::8] --dport 22'; } > "$LOG"

WANT4='-A fail2ban-mail -s 192.0.2.72/32 -p tcp -j REJECT --reject-with tcp-reset
-A fail2ban-mail -s 192.0.2.73/32 -p tcp -j REJECT --reject-with tcp-reset
-A fail2ban-mail -s 198.51.100.77/32 -p tcp -j REJECT --reject-with tcp-reset
-A fail2ban-mail -s 198.51.100.79/32 -p tcp -j REJECT --reject-with tcp-reset'
WANT6='-A fail2ban-mail -s 2001:db8::7/128 -p tcp -j REJECT --reject-with tcp-reset'
"$MAILBAN" run -c "$CONF" --now 2026-11-26T10:05:00Z --dry-run > "$T/dry" 2> "$T/dry.err"
ok_eq "dry run: exit 0, quiet" "0:" "$?:$(cat "$T/dry.err")"
ok_eq "dry run: exactly the canonical rules" "# iptables-restore --noflush
*filter
:fail2ban-mail - [0:0]
$WANT4
-I INPUT 1 -p tcp -m tcp --dport 25 -j fail2ban-mail
COMMIT
# ip6tables-restore --noflush
*filter
:fail2ban-mail - [0:0]
$WANT6
-I INPUT 1 -p tcp -m tcp --dport 25 -j fail2ban-mail
COMMIT" "$(cat "$T/dry")"
ok_eq "dry run: no line outside the fixed forms" "" \
    "$(grep -Ev '^(# ip6?tables-restore --noflush|\*filter|:fail2ban-mail - \[0:0\]|-I INPUT 1 -p tcp -m tcp --dport 25 -j fail2ban-mail|COMMIT|-A fail2ban-mail -s [0-9a-f.:]+/(32|128) -p tcp -j REJECT --reject-with tcp-reset)$' "$T/dry")"
ok_eq "real run: quiet" "" "$(run70 2026-11-26T10:05:00Z 2>&1)"
ok_eq "real run: iptables holds exactly these" "$JUMP
$WANT4" "$(chain4)"
ok_eq "real run: ip6tables holds exactly these" "$JUMP
$WANT6" "$(chain6)"
ok_eq "no other chain or rule anywhere" "-A INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail
-A INPUT -p tcp -m tcp --dport 25 -j fail2ban-mail" \
    "$(iptables-save | grep '^-A' | grep -v '^-A fail2ban-mail'; ip6tables-save | grep '^-A' | grep -v '^-A fail2ban-mail')"
ok_eq "addresses recorded are canonical" "192.0.2.72 192.0.2.73 198.51.100.77 198.51.100.79 2001:db8::7" \
    "$(q 'select group_concat(address, " ") from (select distinct address from failures order by address)')"

# as root: refuse what others could have written
r() { "$MAILBAN" run -c "$1" --now 2026-11-26T10:06:00Z 2>&1; echo "rc=$?"; }
chmod 620 "$CONF"
ok_eq "config group-writable" "mailban: $CONF: refusing a config that is writable by group or others (chmod go-w $CONF)
rc=78" "$(r "$CONF")"
chmod 602 "$CONF"
ok_eq "config world-writable" "mailban: $CONF: refusing a config that is writable by group or others (chmod go-w $CONF)
rc=78" "$(r "$CONF")"
chmod 600 "$CONF"; chown 65534 "$CONF"
ok_eq "config not owned by root" "mailban: $CONF: refusing a config not owned by root (chown root $CONF)
rc=78" "$(r "$CONF")"
chown 0 "$CONF"
ln -s "$CONF" "$T/link.conf"
ok_eq "config symlink" "mailban: cannot open $T/link.conf: Too many levels of symbolic links (a symbolic link is refused; name the file itself)
rc=78" "$(r "$T/link.conf")"
ok_eq "config check passes again" "configuration OK" "$("$MAILBAN" config -c "$CONF" --check 2>&1)"
before=$(q 'select count(*) from runs')
chmod 660 "$DB"
ok_eq "database group-writable" "mailban: $DB: writable by group or others (fix: chmod 600 $DB)
rc=1" "$(r "$CONF")"
chmod 606 "$DB"
ok_eq "database world-writable" "mailban: $DB: writable by group or others (fix: chmod 600 $DB)
rc=1" "$(r "$CONF")"
chmod 600 "$DB"; chown 65534 "$DB"
ok_eq "database not owned by root" "mailban: $DB: owned by uid 65534, not by root (fix: chown root $DB && chmod 600 $DB)
rc=1" "$(r "$CONF")"
chown 0 "$DB"; mv "$DB" "$DB.real"; ln -s "$DB.real" "$DB"
ok_eq "database symlink" "mailban: $DB: is a symbolic link; refusing to follow it (give the real path)
rc=1" "$(r "$CONF")"
rm "$DB"; mv "$DB.real" "$DB"
ok_eq "refused runs changed nothing" "$before" "$(q 'select count(*) from runs')"
ok_eq "refused runs left the chains" "$JUMP
$WANT4" "$(chain4)"

# the state directory and the lock: nobody else may write or hold them
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
chmod 777 "$D"; chmod 711 "$T"
rm -f "$DB.lock"
mkfifo "$T/held"; chmod 666 "$T/held"
nobody flock "$DB.lock" sh -c "echo held > '$T/held'; sleep 60" &
holder=$!
ok_eq "fixture: nobody holds a lock of its own" "held" "$(timeout 10 cat "$T/held")"
ok_eq "state directory world-writable: refused, not a quiet exit 0" "mailban: $D: writable by group or others, so another user could replace the database or its lock (fix: chmod 700 $D)
rc=1" "$(r "$CONF")"
ok_eq "state directory world-writable: status refuses too" "mailban: $D: writable by group or others, so another user could replace the database or its lock (fix: chmod 700 $D)
rc=1" "$("$MAILBAN" status -c "$CONF" 2>&1; echo "rc=$?")"
kill $holder; wait $holder 2>/dev/null; chmod 700 "$T"
chmod 1777 "$D"
ok_eq "state directory sticky but world-writable: refused" "mailban: $D: writable by group or others, so another user could replace the database or its lock (fix: chmod 700 $D)
rc=1" "$(r "$CONF")"
chmod 700 "$D"
ok_eq "a lock planted by another user: refused" "mailban: $DB.lock: owned by uid 65534, not by root: that user could hold it and stop every run (fix: rm $DB.lock)
rc=1" "$(r "$CONF")"
rm "$DB.lock"; ln -s "$T/elsewhere.lock" "$DB.lock"
ok_eq "a lock that is a symbolic link: refused" "mailban: $DB.lock: is a symbolic link; refusing to follow it (fix: rm $DB.lock)
rc=1" "$(r "$CONF")"
rm "$DB.lock"
chown 65534 "$D"
ok_eq "state directory not owned by root: refused" "mailban: $D: owned by uid 65534, not by root, so that user could replace the database or its lock (fix: chown root $D && chmod 700 $D)
rc=1" "$(r "$CONF")"
chown 0 "$D"; chmod 777 "$T"
ok_eq "a parent directory world-writable: refused" "mailban: $T: writable by group or others, so another user could replace the state directory (fix: chmod go-w $T)
rc=1" "$(r "$CONF")"
chmod 700 "$T"
ok_eq "directory refusals changed nothing" "$before|$JUMP
$WANT4" "$(q 'select count(*) from runs')|$(chain4)"
ok_eq "fixed: the run goes on, quiet" "rc=0" "$(r "$CONF")"

# maxbans = 3, five attackers: the three oldest bans, one warning line
conf70 maxretry=1 maxbans=3
iptables -F fail2ban-mail
rm -f "$DB" "$DB-wal" "$DB-shm"
{ for a in 1 2 3 4 5; do fail "10:20:0$a" 203.0.113.$((80 + a)); done; } > "$LOG"
ok_eq "maxbans: one warning line" "mailban: iptables: 5 addresses to ban but maxbans is 3; only the first 3 are banned (raise maxbans)" \
    "$(run70 2026-11-26T10:21:00Z 2>&1)"
ok_eq "maxbans: exactly 3 rules, the oldest bans" "$JUMP
-A fail2ban-mail -s 203.0.113.81/32 $R4
-A fail2ban-mail -s 203.0.113.82/32 $R4
-A fail2ban-mail -s 203.0.113.83/32 $R4" "$(chain4)"
ok_eq "maxbans: every ban still recorded" "5" "$(q 'select count(*) from bans')"
