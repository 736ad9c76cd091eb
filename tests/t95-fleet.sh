#!/bin/sh
# t95-fleet.sh -- fleet mode against a REAL PostgreSQL: initdb + pg_ctl in
# a scratch directory, listening only on a Unix socket there (no TCP
# port, no system cluster touched), run as the user postgres.  Three
# mailban hosts mx1..mx3 (three configs, three databases, three chains in
# one network namespace), each with its own role and its password in a
# .pgpass file.  The story: 2 failures on each host ban nowhere alone and
# everywhere once shared; the server stopped -> exit 0, one warning, local
# bans go on; restarted -> all converge; bad credentials; row-level
# security; a lost watermark and SIGKILLs -> no row lost or doubled.
. tests/lib.sh
need_root_netns "$@"

PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/initdb" ] || ! id postgres > /dev/null 2>&1; then
	echo "ok 1 # SKIP postgresql 15 is not installed (apt-get install postgresql)"
	exit 0
fi
chmod 755 "$T"
PG=$T/pg; mkdir -p "$PG" && chown postgres:postgres "$PG"
aspg() { (cd "$PG" && setpriv --reuid=postgres --regid=postgres --init-groups "$@"); }
pgstart() { aspg "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/log" -w -s start \
    -o "-c listen_addresses='' -c unix_socket_directories=$PG" > /dev/null; }
pgstop() { aspg "$PGBIN/pg_ctl" -D "$PG/data" -w -s -m fast stop > /dev/null 2>&1; }
trap 'pgstop; rm -rf "$T"' EXIT INT TERM
ok_run "initdb" aspg "$PGBIN/initdb" -D "$PG/data" -U postgres --auth-local=peer -E UTF8
cat > "$PG/data/pg_hba.conf" <<EOF
local all postgres peer
local all all scram-sha-256
EOF
ok_run "postgresql starts on its socket only" pgstart
su_psql() { aspg "$PGBIN/psql" -X -q -A -t -h "$PG" -U postgres -d "${2:-postgres}" -c "$1"; }
PSQL=/usr/lib/postgresql/15/bin/psql
psql_as() { PGPASSFILE=$T/pgpass $PSQL -X -q -A -t -h "$PG" -U "$1" -d mailban -c "$2" 2>&1; }
setup_roles() { su_psql "CREATE ROLE mailban_hosts NOLOGIN;
CREATE ROLE mailban LOGIN PASSWORD 'owner-pw';
CREATE ROLE mx1 LOGIN PASSWORD 'pw1' IN ROLE mailban_hosts;
CREATE ROLE mx2 LOGIN PASSWORD 'pw2' IN ROLE mailban_hosts;
CREATE ROLE mx3 LOGIN PASSWORD 'pw3' IN ROLE mailban_hosts;" &&
    su_psql "CREATE DATABASE mailban OWNER mailban"; }
ok_run "roles and database" setup_roles
printf '*:*:mailban:mailban:owner-pw\n*:*:mailban:mx1:pw1\n*:*:mailban:mx2:pw2\n*:*:mailban:mx3:pw3\n' \
    > "$T/pgpass"
chmod 600 "$T/pgpass"
export PGPASSFILE="$T/pgpass"

# host NAME [ROLE]: a config, a database and a chain of its own
host() {
	mkdir -p "$T/$1/state" && chmod 700 "$T/$1/state" && : > "$T/$1/mail.log"
	sed -e "s|^logpath .*|logpath = $T/$1/mail.log|" \
	    -e "s|^database .*|database = $T/$1/state/mailban.db|" \
	    -e 's|^maxretry .*|maxretry = 3|' -e 's|^port .*|port = 25|' \
	    -e "s|^chain .*|chain = mb-$1|" \
	    -e "/^\[DEFAULT\]/a fleet = host=$PG dbname=mailban user=${2:-$1}\\nfleet_host = $1" \
	    conf/mailban.conf > "$T/$1.conf"
	chmod 600 "$T/$1.conf"
}
host mx1; host mx2; host mx3; host owner mailban
nf=0
fail() {	# fail HOST TIME ADDR
	nf=$((nf + 1))
	printf 'Nov 26 %s %s sm-mta[%d]: 5AQA%04dq0%05d: ruleset=check_rcpt, arg1=<u%d@example.org>, relay=[%s], reject=550 5.7.1 <u%d@example.org>... Relaying denied. Proper authentication required.\n' \
	    "$2" "$1" $((1000 + nf)) "$nf" "$nf" "$nf" "$3" "$nf" >> "$T/$1/mail.log"
}
run() { "$MAILBAN" run -c "$T/$1.conf" --now "2026-11-26T$2Z"; }
q() { sqlite3 "$T/$1/state/mailban.db" "$2"; }
bans() { q "$1" 'select address, jail, start, "end", failures from bans order by address, start'; }
chain() { iptables-save -t filter | grep -E "^-A mb-$1 " | sed 's/ -p tcp.*//'; }
shared() { psql_as mailban "$1"; }

# 1. the shared store is created by the first run whose role may create
#    tables; an MX role may not (it would own them and escape the policies)
ok_rc "mx1 first, no tables yet: exit 0" 0 run mx1 10:00:00
ok_eq "one warning naming the cause" "mailban: fleet: creating the tables (as the database owner: see mailban(8)): permission denied for schema public; local bans go on, the next run catches up (0 failures waiting to be pushed)" \
    "$(cat "$T/.out")"
ok_eq "the owner's run creates them, silently" "" "$(run owner 10:00:00 2>&1)"
ok_eq "version 2 recorded" "2" "$(shared 'SELECT version FROM fleet_version')"

# 2. 2 failures on each host of one attacker (maxretry 3): no host alone
#    bans it; once shared, each host's next run bans it, all alike
A=203.0.113.50
fail mx1 10:00:01 $A; fail mx1 10:00:02 $A
fail mx2 10:01:01 $A; fail mx2 10:01:02 $A
fail mx3 10:02:01 $A; fail mx3 10:02:02 $A
ok_eq "mx1 run: the problem cleared, one line" "mailban: fleet: the shared store works again; every failure is pushed and pulled" \
    "$(run mx1 10:05:00 2>&1)"
ok_eq "mx1 alone: no ban" "" "$(bans mx1)"
ok_eq "mx1 pushed its 2" "mx1|2" "$(shared 'SELECT host, count(*) FROM fleet_failures GROUP BY host')"
ok_eq "mx2 run prints nothing" "" "$(run mx2 10:05:10 2>&1)"
ok_eq "mx3 run prints nothing" "" "$(run mx3 10:05:20 2>&1)"
ok_eq "mx1 second run prints nothing" "" "$(run mx1 10:06:00 2>&1)"
BAN="$A|sendmail-reject|1795687261|1795690861|3"
ok_eq "mx1 bans it at the 3rd failure of the fleet (mx2's first)" "$BAN" "$(bans mx1)"
ok_eq "mx2 the same ban" "$BAN" "$(bans mx2)"
ok_eq "mx3 the same ban" "$BAN" "$(bans mx3)"
ok_eq "all three chains hold it" "-A mb-mx1 -s $A/32|-A mb-mx2 -s $A/32|-A mb-mx3 -s $A/32" \
    "$(chain mx1)|$(chain mx2)|$(chain mx3)"
ok_eq "6 rows shared, 2 per host" "mx1|2
mx2|2
mx3|2" "$(shared 'SELECT host, count(*) FROM fleet_failures GROUP BY host ORDER BY host')"
ok_eq "pulled rows are never pushed back" "0" "$(shared "SELECT count(*) FROM fleet_failures f1 JOIN fleet_failures f2 ON f1.host <> f2.host AND f1.time = f2.time")"
ok_eq "a second pass changes nothing" "||6" "$(run mx2 10:07:00 2>&1)|$(run mx3 10:07:00 2>&1)|$(shared 'SELECT count(*) FROM fleet_failures')"
ok_eq "each host holds 6 failures, 4 of them pulled with their origin" "6|4|6|4|6|4" \
    "$(for h in mx1 mx2 mx3; do q $h 'select count(*) from failures'; q $h 'select count(*) from fleet_origin'; done | paste -sd'|')"
ok_eq "the shared rows name the pattern by key" "failregex.1" \
    "$(shared 'SELECT DISTINCT pattern FROM fleet_failures')"
ok_eq "each host stores the pulled rows under that key" "failregex.1|failregex.1|failregex.1" \
    "$(for h in mx1 mx2 mx3; do q $h 'select distinct pattern from failures_named'; done | paste -sd'|')"

# 3. status: this host, waiting rows, every host seen with its last push
run mx1 10:08:00
ok_eq "status shows the fleet" "fleet: this host is mx1, 0 failures waiting to be pushed
fleet hosts: 3
host mx1: 2 failures pushed
host mx2: 2 failures pushed
host mx3: 2 failures pushed" "$("$MAILBAN" status -c "$T/mx1.conf" --now 2026-11-26T10:08:00Z | \
    sed -n '/^fleet/,$p' | sed 's/last push [0-9T:Z-]*, //')"

# 4. the server stops: local protection goes on, one warning, exit 0
ok_run "postgresql stops" pgstop
B=198.51.100.7 C=198.51.100.8
fail mx1 10:10:01 $B; fail mx1 10:10:02 $B; fail mx1 10:10:03 $B
fail mx2 10:10:04 $C; fail mx2 10:10:05 $C; fail mx3 10:10:06 $C
ok_rc "mx1 run with the server down: exit 0" 0 run mx1 10:12:00
ok_eq "one warning line" "1" "$(wc -l < "$T/.out")"
ok_eq "it says what and how many wait" "fleet: cannot connect: connection to server on socket \"$PG/.s.PGSQL.5432\" failed: No such file or directory; local bans go on, the next run catches up (3 failures waiting to be pushed)" \
    "$(sed 's/^mailban: //' "$T/.out")"
ok_eq "mx1 bans B on its own" "-A mb-mx1 -s $A/32
-A mb-mx1 -s $B/32" "$(chain mx1)"
ok_eq "the next run while down is quiet (reported once)" "0|" "$(run mx1 10:13:00 2>&1; echo "$?|")"
ok_rc "mx2 down: exit 0" 0 run mx2 10:12:00
ok_rc "mx3 down: exit 0" 0 run mx3 10:12:00
ok_eq "status while down" "fleet: this host is mx2, 2 failures waiting to be pushed" \
    "$("$MAILBAN" status -c "$T/mx2.conf" --now 2026-11-26T10:12:00Z | grep '^fleet: this')"

# 5. restarted: every host catches up, all converge (B and C banned on all)
ok_run "postgresql restarts" pgstart
ok_eq "mx1: cleared, one line" "mailban: fleet: the shared store works again; every failure is pushed and pulled" \
    "$(run mx1 10:14:00 2>&1)"
run mx2 10:14:10 2> /dev/null; run mx3 10:14:20 2> /dev/null
ok_eq "second round quiet" "" "$(run mx1 10:15:00 2>&1; run mx2 10:15:00 2>&1; run mx3 10:15:00 2>&1)"
ALL="$B|sendmail-reject|1795687803|1795691403|3
$C|sendmail-reject|1795687806|1795691406|3
$BAN"
ok_eq "mx1 converged" "$ALL" "$(bans mx1)"
ok_eq "mx2 converged" "$ALL" "$(bans mx2)"
ok_eq "mx3 converged" "$ALL" "$(bans mx3)"
ok_eq "every chain holds the three" "3|3|3" \
    "$(chain mx1 | wc -l)|$(chain mx2 | wc -l)|$(chain mx3 | wc -l)"
ok_eq "12 rows shared, none twice" "12|12" \
    "$(shared 'SELECT count(*), count(DISTINCT (host, rid)) FROM fleet_failures')"

# 5b. a manual ban on one host reaches the others, and so does its unban;
#     a ban forced on an address another host whitelists stays out there
M=192.0.2.150
ok_rc "mx1: mailban ban $M" 0 "$MAILBAN" ban $M -c "$T/mx1.conf" --for 2h --reason "by hand" \
    --now 2026-11-26T10:16:00Z
sed -i 's|^ignoreip .*|ignoreip = 127.0.0.0/8 ::1 192.0.2.151|' "$T/mx3.conf"
ok_rc "mx1: mailban ban --force 192.0.2.151" 0 "$MAILBAN" ban 192.0.2.151 -c "$T/mx1.conf" \
    --force --now 2026-11-26T10:16:00Z
ok_eq "the runs are quiet" "" "$(run mx1 10:17:00 2>&1; run mx2 10:17:00 2>&1; run mx3 10:17:00 2>&1)"
MB="$M|manual|1795688160|1795695360|by hand"
ok_eq "mx2 holds the manual ban" "$MB
192.0.2.151|manual|1795688160|1795691760|" \
    "$(q mx2 "select address, jail, start, \"end\", reason from bans where manual = 1 order by address")"
ok_eq "mx3 too, but not the one it whitelists" "$MB" \
    "$(q mx3 "select address, jail, start, \"end\", reason from bans where manual = 1 order by address")"
ok_eq "mx2's chain holds it" "-A mb-mx2 -s $M/32" "$(chain mx2 | grep "$M/")"
ok_eq "2 actions shared, from mx1" "mx1|ban|2" "$(shared 'SELECT host, kind, count(*) FROM fleet_actions GROUP BY 1, 2')"
ok_rc "mx1: mailban unban $M" 0 "$MAILBAN" unban $M -c "$T/mx1.conf" --now 2026-11-26T10:20:00Z
ok_eq "the runs are quiet again" "" "$(run mx1 10:21:00 2>&1; run mx2 10:21:00 2>&1; run mx3 10:21:00 2>&1; run mx2 10:21:30 2>&1)"
ok_eq "lifted everywhere at the unban's time" "1795688400|1795688400|1795688400" \
    "$(q mx1 "select lifted from bans where address = '$M'")|$(q mx2 "select lifted from bans where address = '$M'")|$(q mx3 "select lifted from bans where address = '$M'")"
ok_eq "gone from mx2's and mx3's chains" "|" "$(chain mx2 | grep "$M/")|$(chain mx3 | grep "$M/")"
ok_eq "the unban is pushed once, never echoed back" "mx1|ban|2
mx1|unban|1" "$(shared 'SELECT host, kind, count(*) FROM fleet_actions GROUP BY 1, 2 ORDER BY 1, 2')"

report() { $PSQL -X -q -A -t -h "$PG" -U mx1 -d mailban -f "sql/fleet-reports/$1.sql" 2>&1; }
ok_eq "report failures-per-host (psql)" "mx1|5|2|2026-11-26 10:00:01|2026-11-26 10:10:03
mx2|4|2|2026-11-26 10:01:01|2026-11-26 10:10:05
mx3|3|2|2026-11-26 10:02:01|2026-11-26 10:10:06" "$(report failures-per-host | cut -d'|' -f1-5)"
ok_eq "every host has a last push" "3" "$(report failures-per-host | cut -d'|' -f6 | grep -c '^2[0-9-]* [0-9:]*$')"
ok_eq "report shared-offenders (psql)" "203.0.113.50|3|6|mx1,mx2,mx3|2026-11-26 10:00:01|2026-11-26 10:02:02
198.51.100.8|2|3|mx2,mx3|2026-11-26 10:10:04|2026-11-26 10:10:06" "$(report shared-offenders)"
ok_eq "mailban config shows the fleet keys" "fleet = host=$PG dbname=mailban user=mx1
fleet_host = mx1" "$("$MAILBAN" config -c "$T/mx1.conf" | grep '^fleet')"

# 5c. unbans in the same second as the last push, and one dated before it
#     (unban --now in the past, a clock stepped back): each reaches mx2
for e in 192.0.2.161 192.0.2.162 192.0.2.163; do
	"$MAILBAN" ban $e -c "$T/mx1.conf" --for 2h --now 2026-11-26T10:22:00Z
done
run mx1 10:22:30; run mx2 10:22:30
ok_eq "mx2 holds the 3 bans" "3" "$(q mx2 "select count(*) from bans where address like '192.0.2.16_' and lifted is null")"
"$MAILBAN" unban 192.0.2.161 -c "$T/mx1.conf" --now 2026-11-26T10:24:00Z
run mx1 10:24:00
"$MAILBAN" unban 192.0.2.162 -c "$T/mx1.conf" --now 2026-11-26T10:24:00Z
"$MAILBAN" unban 192.0.2.163 -c "$T/mx1.conf" --now 2026-11-26T10:23:00Z
ok_eq "the runs are quiet" "" "$(run mx1 10:25:00 2>&1; run mx2 10:25:00 2>&1)"
ok_eq "all 3 unbans reach mx2" "192.0.2.161|1795688640
192.0.2.162|1795688640
192.0.2.163|1795688580" \
    "$(q mx2 "select address, lifted from bans where address like '192.0.2.16_' order by address")"
ok_eq "each unban shared once" "3" \
    "$(shared "SELECT count(*) FROM fleet_actions WHERE kind = 'unban' AND host(address) LIKE '192.0.2.16_'")"

# 5d. what a peer writes is data: a jail with an escape sequence, a 10 MB
#     reason, a reason with a control character, a ban starting 10 days
#     ahead, an end before its start; skipped, counted, said once
N5D=1795688760	# 10:26:00
psql_as mx2 "INSERT INTO fleet_failures (host, rid, time, address, jail, pattern) VALUES
 ('mx2', 900001, $N5D - 60, '192.0.2.170', E'\\033[2Jsendmail-reject', 0);
INSERT INTO fleet_actions (host, kind, rid, address, jail, start, \"end\", reason) VALUES
 ('mx2', 'ban', 900001, '192.0.2.171', E'\\033]0;owned\\007', $N5D - 60, $N5D + 3600, NULL),
 ('mx2', 'ban', 900002, '192.0.2.172', 'manual', $N5D - 60, $N5D + 3600, repeat('x', 10000000)),
 ('mx2', 'ban', 900003, '192.0.2.173', 'manual', $N5D - 60, $N5D + 3600, E'a\\033[31mb'),
 ('mx2', 'ban', 900004, '192.0.2.174', 'manual', $N5D + 864000, $N5D + 867600, NULL),
 ('mx2', 'ban', 900005, '192.0.2.175', 'manual', $N5D, $N5D - 1, NULL),
 ('mx2', 'ban', 900006, '192.0.2.176', 'manual', $N5D - 60, $N5D + 3600, 'fine')"
SKIP5D="mailban: fleet: 6 rows pulled from the shared store skipped (the first: mx2's failure of 192.0.2.170: a jail that is not a section name); fix or delete them there"
ok_eq "mx1 skips them, one line" "$SKIP5D" "$(run mx1 10:26:00 2>&1)"
ok_eq "mx3 too" "$SKIP5D" "$(run mx3 10:26:00 2>&1)"
ok_eq "said once" "|" "$(run mx1 10:26:30 2>&1)|$(run mx3 10:26:30 2>&1)"
ok_eq "only the good one is stored" "192.0.2.176|manual|fine|0" \
    "$(q mx1 "select address, jail, reason from bans where address like '192.0.2.17_'")|$(q mx1 "select count(*) from failures where address = '192.0.2.170'")" 
ok_eq "status holds no control character" "0" \
    "$("$MAILBAN" status -c "$T/mx1.conf" --now 2026-11-26T10:27:00Z | tr -d '\n' | tr -d '[:print:]' | wc -c)"
shared "DELETE FROM fleet_failures WHERE host = 'mx2' AND rid = 900001" > /dev/null
#     and pattern keys outside the key grammar (a junk one, a 65-byte
#     placeholder, an ignoreregex key) next to a good one: skipped the same way
psql_as mx2 "INSERT INTO fleet_failures (host, rid, time, address, jail, pattern) VALUES
 ('mx2', 900011, $N5D - 50, '192.0.2.177', 'sendmail-reject', E'junk\\033[2J key'),
 ('mx2', 900012, $N5D - 50, '192.0.2.177', 'sendmail-reject', '#' || repeat('9', 64)),
 ('mx2', 900013, $N5D - 50, '192.0.2.177', 'sendmail-reject', 'ignoreregex.1'),
 ('mx2', 900014, $N5D - 50, '192.0.2.178', 'sendmail-reject', 'failregex.extra.7')" > /dev/null
ok_eq "bad pattern keys: skipped, one line" \
    "mailban: fleet: 3 rows pulled from the shared store skipped (the first: mx2's failure of 192.0.2.177: a pattern key that is not failregex[.N], failregex.extra.N, failregex.aggressive.N or #N); fix or delete them there" \
    "$(run mx1 10:26:40 2>&1)"
ok_eq "bad pattern keys: only the good one stored" "0|192.0.2.178|failregex.extra.7" \
    "$(q mx1 "select count(*) from failures where address = '192.0.2.177'")|$(q mx1 "select address, pattern from failures_named where address like '192.0.2.17_'")"
ok_eq "no junk key in patterns" "0" \
    "$(q mx1 "select count(*) from patterns where key not like 'failregex%' and key not glob '#[0-9]*'")"
shared "DELETE FROM fleet_failures WHERE host = 'mx2' AND rid > 900010" > /dev/null
# 5e. a pulled manual ban is not forced here: ignoreip gaining its address
#     after the pull takes it out of the chain (the ban stays recorded)
ok_eq "mx1's chain holds the pulled manual ban" "-A mb-mx1 -s 192.0.2.176/32" "$(chain mx1 | grep '192.0.2.176/')"
cp "$T/mx1.conf" "$T/mx1.conf.keep"
sed -i 's|^ignoreip .*|ignoreip = 127.0.0.0/8 ::1 192.0.2.176|' "$T/mx1.conf"
ok_eq "whitelisted here: quiet run" "" "$(run mx1 10:27:00 2>&1)"
ok_eq "out of mx1's chain" "" "$(chain mx1 | grep '192.0.2.176/')"
ok_eq "the ban is still recorded" "192.0.2.176|1" "$(q mx1 "select address, manual from bans where address = '192.0.2.176' and lifted is null")"
mv "$T/mx1.conf.keep" "$T/mx1.conf"
# 5f. a network banned on one host reaches the others as a network (inet
#     with its mask in the shared store, pulled with it); a host that
#     whitelists an address in it keeps it out; its unban reaches them too
ok_rc "mx1: mailban ban 198.51.100.0/24" 0 "$MAILBAN" ban 198.51.100.0/24 -c "$T/mx1.conf" \
    --for 2h --now 2026-11-26T10:28:00Z
sed -i 's|^ignoreip .*|ignoreip = 127.0.0.0/8 ::1 192.0.2.151 198.51.100.77|' "$T/mx3.conf"
ok_eq "network: quiet runs" "" "$(run mx1 10:28:30 2>&1; run mx2 10:28:30 2>&1; run mx3 10:28:30 2>&1)"
ok_eq "shared as a network" "198.51.100.0/24|ban" \
    "$(shared "SELECT text(address), kind FROM fleet_actions WHERE masklen(address) < 32")"
ok_eq "mx2 holds the network's ban" "198.51.100.0/24|manual|1795688880|1795696080|1" \
    "$(q mx2 "select address, jail, start, \"end\", manual from bans where address like '%/24'")"
ok_eq "mx2's chain holds its rule" "-A mb-mx2 -s 198.51.100.0/24" "$(chain mx2 | grep '/24')"
ok_eq "mx3 whitelists 198.51.100.77: neither recorded nor in its chain" "0|" \
    "$(q mx3 "select count(*) from bans where address = '198.51.100.0/24'")|$(chain mx3 | grep '/24')"
ok_rc "mx1: mailban unban 198.51.100.0/24" 0 "$MAILBAN" unban 198.51.100.0/24 -c "$T/mx1.conf" \
    --now 2026-11-26T10:29:00Z
ok_eq "network unban: quiet runs" "" "$(run mx1 10:29:30 2>&1; run mx2 10:29:30 2>&1)"
ok_eq "lifted on mx2 at the unban's time" "1795688940|" \
    "$(q mx2 "select lifted from bans where address = '198.51.100.0/24'")|$(chain mx2 | grep '/24')"

# 6. bad credentials: exit 0, one warning, the next good run catches up
sed -i 's/:mx3:pw3/:mx3:wrong/' "$T/pgpass"
fail mx3 10:20:01 192.0.2.99
ok_rc "mx3 with a wrong password: exit 0" 0 run mx3 10:21:00
ok_eq "the warning names the failure" "mailban: fleet: cannot connect: connection to server on socket \"$PG/.s.PGSQL.5432\" failed: FATAL:  password authentication failed for user \"mx3\"; local bans go on, the next run catches up (1 failures waiting to be pushed)" \
    "$(cat "$T/.out")"
sed -i 's/:mx3:wrong/:mx3:pw3/' "$T/pgpass"
ok_eq "fixed: cleared" "mailban: fleet: the shared store works again; every failure is pushed and pulled" \
    "$(run mx3 10:22:00 2>&1)"
ok_eq "its row arrived" "1" "$(shared "SELECT count(*) FROM fleet_failures WHERE address = '192.0.2.99'")"

# 7. row-level security: a host cannot write in another host's name
ok_eq "mx1 cannot insert as mx2" "ERROR:  new row violates row-level security policy for table \"fleet_failures\"" \
    "$(psql_as mx1 "INSERT INTO fleet_failures (host, rid, time, address, jail, pattern) VALUES ('mx2', 99, 0, '192.0.2.1', 'x', 0)")"
ok_eq "nor delete another host's rows" "0" \
    "$(psql_as mx1 "DELETE FROM fleet_failures WHERE host = 'mx2' RETURNING 1" | wc -l)"
host mx9 mx1
fail mx9 10:30:01 192.0.2.98
ok_rc "a host pushing under a name not its role's: exit 0" 0 run mx9 10:31:00
ok_eq "refused by the policy, one warning" "mailban: fleet: pushing: new row violates row-level security policy for table \"fleet_failures\"; local bans go on, the next run catches up (1 failures waiting to be pushed)" \
    "$(cat "$T/.out")"

# 8. a lost watermark (a kill between the shared commit and the local
#    update) and a lost pull position: repeated, nothing doubles
q mx1 "update meta set value = '0' where key = 'fleet_pushed'"
q mx2 "update meta set value = '0' where key = 'fleet_pulled'"
ok_eq "re-push and re-pull are quiet" "" "$(run mx1 10:40:00 2>&1; run mx2 10:40:00 2>&1)"
ok_eq "still 13 rows over there" "13" "$(shared 'SELECT count(*) FROM fleet_failures')"
ok_eq "mx2 still holds each row once (4 its own, 9 pulled)" "13|9" \
    "$(q mx2 'select count(*) from failures')|$(q mx2 'select count(*) from fleet_origin')"

# 9. SIGKILL at random points of a large push and pull, then a clean run:
#    exactly every row once on both sides
i=0
while [ $i -lt 3000 ]; do
	printf 'Nov 26 11:%02d:%02d mx1 sm-mta[7]: 5BQA%04dq0%05d: ruleset=check_rcpt, arg1=<k@example.org>, relay=[192.0.2.%d], reject=550 5.7.1 <k@example.org>... Relaying denied. Proper authentication required.\n' \
	    $((i / 60 % 60)) $((i % 60)) $((i % 10000)) $i $((i % 200 + 1))
	i=$((i + 1))
done >> "$T/mx1/mail.log"
run mx1 11:59:00 2> /dev/null	# local commit, push (killed below on mx2's side)
for d in 0.01 0.03 0.05 0.08 0.1 0.15 0.2 0.3; do
	"$MAILBAN" run -c "$T/mx2.conf" --now 2026-11-26T12:00:00Z 2> /dev/null & p=$!
	sleep $d; kill -9 $p 2> /dev/null; wait $p 2> /dev/null
done
ok_eq "after the kills a clean run of mx2 is quiet" "" "$(run mx2 12:01:00 2>&1)"
ok_eq "mx2 holds every row of mx1 once" "3005|3005" \
    "$(q mx2 "select count(*) from fleet_origin where host = 'mx1'")|$(q mx2 "select count(distinct rid) from fleet_origin where host = 'mx1'")"
# and kills during mx1's push of 3000 more
q mx1 "update meta set value = '0' where key = 'fleet_pushed'"
shared "DELETE FROM fleet_failures WHERE host = 'mx1' AND time >= 1795690800" > /dev/null
ok_eq "the owner could delete them (mx1's 3000 gone)" "13" "$(shared 'SELECT count(*) FROM fleet_failures')"
for d in 0.01 0.02 0.04 0.06 0.1 0.15 0.2; do
	"$MAILBAN" run -c "$T/mx1.conf" --now 2026-11-26T12:02:00Z 2> /dev/null & p=$!
	sleep $d; kill -9 $p 2> /dev/null; wait $p 2> /dev/null
done
ok_eq "a clean run of mx1 after the kills is quiet" "" "$(run mx1 12:03:00 2>&1)"
ok_eq "every failure of mx1 is there once" "3005|3005" \
    "$(shared "SELECT count(*), count(DISTINCT rid) FROM fleet_failures WHERE host = 'mx1'")"

# 10. dbpurgeage: a run 34 days later purges every failure of mx3, here
#     and over there (its own rows only); SQLite then reuses failure ids,
#     and the next failures still get rids of their own and are pushed
ok_eq "mx3 a month later: quiet" "" "$("$MAILBAN" run -c "$T/mx3.conf" --now 2026-12-30T10:00:00Z 2>&1)"
ok_eq "mx3 purged everything here" "0|0" "$(q mx3 'select count(*) from failures')|$(q mx3 'select count(*) from fleet_origin')"
ok_eq "and its own rows over there, not the others'" "mx1|3005
mx2|4" "$(shared 'SELECT host, count(*) FROM fleet_failures GROUP BY host ORDER BY host')"
printf 'Dec 30 10:50:0%d mx3 sm-mta[9]: 5CQA000%dq00000%d: ruleset=check_rcpt, arg1=<k@example.org>, relay=[198.51.100.97], reject=550 5.7.1 <k@example.org>... Relaying denied. Proper authentication required.\n' \
    1 1 1 2 2 2 >> "$T/mx3/mail.log"
ok_eq "mx3 with reused ids: quiet" "" "$("$MAILBAN" run -c "$T/mx3.conf" --now 2026-12-30T10:51:00Z 2>&1)"
ok_eq "the ids restarted at 1" "1|2" "$(q mx3 "select group_concat(id, '|') from (select id from failures order by id)")"
ok_eq "both pushed" "mx3|2" "$(shared "SELECT host, count(DISTINCT rid) FROM fleet_failures WHERE address = '198.51.100.97' GROUP BY host")"

# 11. a shared store that stops answering in the middle of a push (a relay
#     that stops forwarding after the push's INSERT): the firewall step has
#     run before, the fleet step gives up at its deadline (20 s), one
#     warning, exit 0; the run lock is free again
cat > "$T/relay.py" <<'PY'
import os, socket, sys, threading, time
listen, target, marker = sys.argv[1], sys.argv[2], sys.argv[3].encode()
srv = socket.socket(socket.AF_UNIX); srv.bind(listen); srv.listen(8)
open(sys.argv[4], "w").close()
def pipe(a, b, st, watch):
	buf = b""
	while True:
		try:
			d = a.recv(65536)
		except OSError:
			d = b""
		if watch:
			buf = (buf + d)[-4096:]
			if marker in buf:
				st[0] = True
		if st[0]:
			while True:
				time.sleep(60)	# stalled: nothing more either way
		if not d:
			break
		b.sendall(d)
	b.close()
def serve(c):
	s = socket.socket(socket.AF_UNIX); s.connect(target); st = [False]
	threading.Thread(target=pipe, args=(c, s, st, True), daemon=True).start()
	threading.Thread(target=pipe, args=(s, c, st, False), daemon=True).start()
while True:
	c, _ = srv.accept()
	threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
mkdir "$T/relay"
python3 "$T/relay.py" "$T/relay/.s.PGSQL.5432" "$PG/.s.PGSQL.5432" \
    "INSERT INTO fleet_failures" "$T/relay.up" & RELAY=$!
i=0; while [ ! -e "$T/relay.up" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sed "s|host=$PG |host=$T/relay |" "$T/mx3.conf" > "$T/mx3r.conf"; chmod 600 "$T/mx3r.conf"
D=203.0.113.77
for s in 01 02 03; do
	printf 'Dec 30 11:00:%s mx3 sm-mta[9]: 5CQB00%sq000001: ruleset=check_rcpt, arg1=<k@example.org>, relay=[%s], reject=550 5.7.1 <k@example.org>... Relaying denied. Proper authentication required.\n' \
	    $s $s $D >> "$T/mx3/mail.log"
done
t0=$(date +%s)
ok_rc "mx3 through a stalling relay: exit 0" 0 timeout 60 "$MAILBAN" run -c "$T/mx3r.conf" \
    --now 2026-12-30T11:01:00Z
t1=$(date +%s)
ok_eq "the run ends within the fleet deadline (20 s, 2 s to cancel)" "yes" \
    "$([ $((t1 - t0)) -le 30 ] && echo yes || echo "no: $((t1 - t0)) s")"
ok_eq "one warning: the push did not answer" "mailban: fleet: pushing: no answer within 20 s (the server or the network stalls); local bans go on, the next run catches up (3 failures waiting to be pushed)" \
    "$(cat "$T/.out")"
ok_eq "the local ban is in the chain" "-A mb-mx3 -s $D/32" "$(chain mx3 | grep "$D/")"
kill $RELAY; wait $RELAY 2> /dev/null
ok_eq "directly again: cleared, one line" "mailban: fleet: the shared store works again; every failure is pushed and pulled" \
    "$("$MAILBAN" run -c "$T/mx3.conf" --now 2026-12-30T11:02:00Z 2>&1)"
ok_eq "its 3 failures arrived" "3" "$(shared "SELECT count(*) FROM fleet_failures WHERE address = '$D'")"

# 12. a shared store of version 1 (pattern: the index of the failregex in
#     the pushing host's active list) is upgraded in place by the owner's
#     run: an index N becomes "#N", as in the local store, and pulls keep it
su_psql "CREATE DATABASE mailban_v1 OWNER mailban" > /dev/null
printf '*:*:mailban_v1:mailban:owner-pw\n' >> "$T/pgpass"
v1() { PGPASSFILE=$T/pgpass $PSQL -X -q -A -t -h "$PG" -U mailban -d mailban_v1 "$@" 2>&1; }
ok_eq "a version-1 store" "" "$(v1 -f sql/fleet.sql && v1 -c "
ALTER TABLE fleet_failures ALTER COLUMN pattern TYPE integer USING 0;
UPDATE fleet_version SET version = 1;
INSERT INTO fleet_failures (host, rid, time, address, jail, pattern)
    VALUES ('mx9', 1, 1795687200, '192.0.2.9', 'sendmail-reject', 23)")"
host owner1 mailban
sed -i 's|dbname=mailban |dbname=mailban_v1 |' "$T/owner1.conf"
ok_eq "the owner's run upgrades it, silently" "" "$(run owner1 10:00:00 2>&1)"
ok_eq "version 2, pattern text, index 23 named #23" "2|text|#23" \
    "$(v1 -c "SELECT (SELECT max(version) FROM fleet_version), (SELECT data_type FROM information_schema.columns WHERE table_name = 'fleet_failures' AND column_name = 'pattern'), (SELECT pattern FROM fleet_failures WHERE host = 'mx9')" | tr -d ' ')"
ok_eq "pulled under that key" "192.0.2.9|sendmail-reject|#23" \
    "$(q owner1 'select address, jail, pattern from failures_named')"
