#!/bin/sh
# fleet.sh BUILD -- what fleet mode costs a cron run: a scratch PostgreSQL
# (initdb + pg_ctl, Unix socket only, as the user postgres) and
# BENCH_HOSTS hosts that each read BENCH_FLEET_FAILURES failures in one
# minute.  A measurement, not a test: it prints one table and never
# fails on a number.  As root (unshare -n for the chains); run from the
# repository root:  sh tests/bench/fleet.sh build
# Rows:
#   local     `mailban run` of one host's log without fleet (the baseline)
#   push      the same run with fleet, first host: reads, pushes its rows
#   push+pull the same for the other hosts (each pulls what the earlier
#             ones pushed), median
#   catch-up  the second round: each host pulls the rest, median
#   idle      a run with nothing new anywhere (connect, empty push/pull),
#             next to the same without fleet
set -u
BUILD=${1:-build}
case $BUILD in /*) MAILBAN=$BUILD/mailban ;; *) MAILBAN=$PWD/$BUILD/mailban ;; esac
HOSTS=${BENCH_HOSTS:-10}
NF=${BENCH_FLEET_FAILURES:-10000}
PGBIN=/usr/lib/postgresql/15/bin
export LC_ALL=C TZ=UTC
if [ -z "${MAILBAN_IN_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "fleet bench: skipped (needs root)"; exit 0; }
	MAILBAN_IN_NETNS=1 exec unshare -n sh "$0" "$@"
fi
[ -x "$PGBIN/initdb" ] || { echo "fleet bench: skipped (postgresql 15 not installed)"; exit 0; }
T=$(mktemp -d /tmp/mailban-fleetbench.XXXXXX); chmod 755 "$T"
PG=$T/pg; mkdir -p "$PG"; chown postgres:postgres "$PG"
aspg() { (cd "$PG" && setpriv --reuid=postgres --regid=postgres --init-groups "$@"); }
[ -n "${BENCH_KEEP:-}" ] || trap 'aspg "$PGBIN/pg_ctl" -D "$PG/data" -w -s -m fast stop > /dev/null 2>&1; rm -rf "$T"' EXIT INT TERM
aspg "$PGBIN/initdb" -D "$PG/data" -U postgres --auth-local=trust > /dev/null
aspg "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/log" -w -s start \
    -o "-c listen_addresses='' -c unix_socket_directories=$PG" > /dev/null
sql() { aspg "$PGBIN/psql" -X -q -A -t -h "$PG" -U postgres -d "${2:-postgres}" -c "$1"; }
sql "CREATE ROLE mailban_hosts NOLOGIN; CREATE ROLE mailban LOGIN"
sql "CREATE DATABASE mailban OWNER mailban"
conf() {	# conf NAME FLEET(0|1)
	mkdir -p "$T/$1/state"; chmod 700 "$T/$1/state"
	sed -e "s|^logpath .*|logpath = $T/$1/mail.log|" \
	    -e "s|^database .*|database = $T/$1/state/mailban.db|" \
	    -e "s|^chain .*|chain = mb-$1|" conf/mailban.conf > "$T/$1.conf"
	[ "$2" = 1 ] && sed -i "/^\[DEFAULT\]/a fleet = host=$PG dbname=mailban user=$1\\nfleet_host = $1" "$T/$1.conf"
	chmod 600 "$T/$1.conf"
}
genlog() {	# genlog HOSTNUMBER: NF failures in the minute 10:00, 5000 addresses
	awk -v h="$1" -v n="$NF" 'BEGIN { for (i = 0; i < n; i++)
	    printf "Nov 26 10:00:%02d mx%d sm-mta[7]: 5BQA%04dq%06d: ruleset=check_rcpt, arg1=<k@example.org>, relay=[IPv6:2001:db8:%x::%x], reject=550 5.7.1 <k@example.org>... Relaying denied. Proper authentication required.\n", \
	    i * 60 / n, h, h, i, h, i % 5000 }'
}
ms() { sqlite3 "$T/$1/state/mailban.db" 'select ms from runs order by id desc limit 1'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
sql "CREATE ROLE owner LOGIN" > /dev/null
conf owner 1; sed -i 's/user=owner/user=mailban/' "$T/owner.conf"; : > "$T/owner/mail.log"
"$MAILBAN" run -c "$T/owner.conf" --now 2026-11-26T10:01:00Z
conf local 0; genlog 1 > "$T/local/mail.log"
"$MAILBAN" run -c "$T/local.conf" --now 2026-11-26T10:01:00Z
LOCAL=$(ms local); : > "$T/lidle"
for i in 1 2 3 4 5; do
	"$MAILBAN" run -c "$T/local.conf" --now 2026-11-26T10:01:4${i}Z; ms local >> "$T/lidle"
done
h=1
while [ $h -le "$HOSTS" ]; do
	sql "CREATE ROLE h$h LOGIN IN ROLE mailban_hosts" > /dev/null
	conf "h$h" 1; genlog $h > "$T/h$h/mail.log"; h=$((h + 1))
done
h=1; : > "$T/round1"
while [ $h -le "$HOSTS" ]; do
	"$MAILBAN" run -c "$T/h$h.conf" --now 2026-11-26T10:01:00Z
	[ $h = 1 ] && FIRST=$(ms h1) || ms "h$h" >> "$T/round1"
	h=$((h + 1))
done
h=1; : > "$T/round2"; : > "$T/idle"
while [ $h -le "$HOSTS" ]; do
	"$MAILBAN" run -c "$T/h$h.conf" --now 2026-11-26T10:01:30Z; ms "h$h" >> "$T/round2"
	h=$((h + 1))
done
h=1
while [ $h -le "$HOSTS" ]; do
	for i in 1 2 3; do
		"$MAILBAN" run -c "$T/h$h.conf" --now 2026-11-26T10:01:4${i}Z; ms "h$h" >> "$T/idle"
	done
	h=$((h + 1))
done
ROWS=$(sql "SELECT count(*) FROM fleet_failures" mailban)
HELD=$(sqlite3 "$T/h1/state/mailban.db" 'select count(*) from failures')
printf 'fleet bench: %d hosts x %d failures (rows shared: %s; each host holds %s)\n' \
    "$HOSTS" "$NF" "$ROWS" "$HELD"
printf '%-34s %8s\n' "run (ms, mailban's own runs.ms)" "ms"
printf '%-34s %8s\n' "local only (baseline)" "$LOCAL"
printf '%-34s %8s\n' "fleet, first host (push)" "$FIRST"
printf '%-34s %8s\n' "fleet, hosts 2..N (push+pull)" "$(median < "$T/round1")"
printf '%-34s %8s\n' "fleet, catch-up (pull the rest)" "$(median < "$T/round2")"
printf '%-34s %8s\n' "local only, idle run" "$(median < "$T/lidle")"
printf '%-34s %8s\n' "fleet, idle run" "$(median < "$T/idle")"
