#!/bin/sh
# run.sh BUILD -- crash consistency under SIGKILL (`make torture`).  Run
# from the repository root as root; it runs inside `unshare -n`.
#
# A 150,000-line sendmail log (tests/bench/genlog.c -s 7 -n 150000 -a 5
# -A 300, 300 attackers) is fed to mail.log in chunks of seeded random size,
# some ending inside a line; now and then the log is rotated (rename,
# rename + immediate gzip, or copytruncate).  After each chunk `mailban run`
# is started (in its own process group) and killed with SIGKILL after a
# seeded random delay, one to three times, sometimes then let finish.  At
# the end runs go to completion.  The failures (as a multiset), the bans,
# the reader position and both chains must then equal those of ONE
# uninterrupted run over the whole log, done on a copy in another network
# namespace.  Then the same state survives SIGKILL of the whole process
# group while iptables-restore runs (a wrapper that sleeps, then execs the
# real one) and a restore that fails (exit 1): the database stays, and the
# next good run makes the chains equal again.
#
# --now of each run is the time of the last complete line (what cron sees).
# Seed: TORTURE_SEED (default: from the clock), printed first.  The delays
# are random; the RESULT is what is asserted.  Prints "ok"/"not ok" lines
# and a summary with the number of kills; exit 1 on any difference.
set -u
BUILD=${1:-build}
[ -f conf/mailban.conf ] || { echo "run.sh: run from the repository root" >&2; exit 64; }
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (unshare -n, iptables)" >&2; exit 1; }
if [ -z "${TORTURE_NETNS:-}" ]; then
	TORTURE_NETNS=1 exec unshare -n sh "$0" "$@"
fi
TOP=$(pwd)
case $BUILD in /*) MAILBAN=$BUILD/mailban ;; *) MAILBAN=$TOP/$BUILD/mailban ;; esac
[ -x "$MAILBAN" ] || { echo "run.sh: no $MAILBAN (make all)" >&2; exit 1; }
export TZ=UTC LC_ALL=C MAILBAN
SEED=${TORTURE_SEED:-$(($(date +%s) % 1000000))}
KILLS_MIN=${TORTURE_KILLS:-200}
echo "torture: seed $SEED (TORTURE_SEED=$SEED make torture repeats the schedule)"
T=$(mktemp -d /tmp/mailban-torture.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
N=150000 START=1795651200 RATE=50	# genlog: line i is stamped START + i/RATE

cc -O2 -o "$T/genlog" tests/bench/genlog.c || exit 1
"$T/genlog" -s 7 -n $N -a 5 -A 300 > "$T/full.log" || exit 1
# byte offset of the start of every line (line i at offset off[i])
awk '{ print o; o += length($0) + 1 } END { print o }' "$T/full.log" > "$T/offsets"
TOTAL=$(wc -c < "$T/full.log")

# conf DIR [RESTORE]: a config for the log and database in DIR
conf() {
	mkdir -p "$1/state" "$1/log"; chmod 700 "$1/state"
	sed -e "s|^logpath .*|logpath = $1/log/mail.log|" \
	    -e "s|^database .*|database = $1/state/mailban.db|" \
	    -e "s|^iptables_restore .*|iptables_restore = ${2:-/usr/sbin/iptables-restore}|" \
	    -e "s|^ip6tables_restore .*|ip6tables_restore = ${3:-/usr/sbin/ip6tables-restore}|" \
	    conf/mailban.conf > "$1/mailban.conf"
	chmod 600 "$1/mailban.conf"
}
# dump DIR: what must be equal.  The rules as a set: their order in the
# chain is the order they were added in, which differs by design.  The
# position: at the end of the current mail.log.
dump() {
	sqlite3 "$1/state/mailban.db" \
	    "SELECT 'F', time, address, jail, pattern FROM failures ORDER BY 2, 3, 4, 5;
	     SELECT 'B', address, jail, start, \"end\", failures FROM bans ORDER BY 2, 3, 4;
	     SELECT 'P', CASE offset WHEN $(wc -c < "$1/log/mail.log") THEN 'at the end'
	         ELSE 'offset ' || offset END FROM positions;"
	iptables-save -t filter | grep '^-A' | sort | sed 's/^/4 /'
	ip6tables-save -t filter | grep '^-A' | sort | sed 's/^/6 /'
}
NOW_END=$((START + N / RATE + 1))

# The reference: one uninterrupted run over the whole log, in its own netns.
conf "$T/ref"
cp "$T/full.log" "$T/ref/log/mail.log"
unshare -n sh -c '"$MAILBAN" run -c "$1/mailban.conf" --now "$2" && sh -c "$3" _ "$1"' \
    _ "$T/ref" "$NOW_END" "$(sed -n '/^dump() {/,/^}/p' "$0"); dump \"\$1\"" > "$T/ref.dump" ||
    { echo "not ok - the reference run failed"; exit 1; }
echo "reference: $(grep -c '^F' "$T/ref.dump") failures, $(grep -c '^B' "$T/ref.dump") bans, $(grep -c '^[46] -A fail2ban-mail' "$T/ref.dump") rules"

# Seeded PRNG (LCG, 31 bits): rnd N sets R to 0..N-1.
X=$SEED
rnd() { X=$(((X * 1103515245 + 12345) % 2147483648)); R=$(((X / 65536) % $1)); }

conf "$T/w"
LOG=$T/w/log/mail.log CONF=$T/w/mailban.conf
kills=0 landed=0 completed=0 rotations=0 est=300 done_lines=0 sent=0 since_rot=1
: > "$LOG"

# attempt NOW [CONF]: start a run, kill its process group after a random
# delay (0 .. 1.3 x the last complete run's time).  Sets rc.
attempt() {
	rnd $((est * 13 / 10 + 1)); d=$R
	setsid "$MAILBAN" run -c "${2:-$CONF}" --now "$1" > "$T/run.out" 2>&1 &
	p=$!
	sleep "$(printf '0.%03d' $((d % 1000)))"; [ $d -ge 1000 ] && sleep $((d / 1000))
	# the group; or the process, if setsid(2) has not happened yet
	kill -KILL -$p 2>/dev/null || kill -KILL $p 2>/dev/null
	wait $p 2>/dev/null; rc=$?
	kills=$((kills + 1))
	[ $rc = 137 ] && landed=$((landed + 1))
}
# finish NOW [CONF]: a run that is not killed; est = its time in ms
finish() {
	t0=$(date +%s%N)
	"$MAILBAN" run -c "${2:-$CONF}" --now "$1" > "$T/run.out" 2>&1; rc=$?
	est=$((($(date +%s%N) - t0) / 1000000 + 1))
	completed=$((completed + 1)); since_rot=1
}
bad() { echo "not ok - $*"; sed 's/^/#   /' "$T/run.out" | head -20; exit 1; }

# rotate: rename (+ gzip at once) or copytruncate; keeps 4 old files
rotate() {
	rnd 3; how=$R
	rm -f "$LOG.5" "$LOG.5.gz"
	for k in 4 3 2 1; do
		[ -e "$LOG.$k" ] && mv "$LOG.$k" "$LOG.$((k + 1))"
		[ -e "$LOG.$k.gz" ] && mv "$LOG.$k.gz" "$LOG.$((k + 1)).gz"
	done
	[ -e "$LOG.2" ] && gzip "$LOG.2"	# delaycompress
	case $how in
	0) mv "$LOG" "$LOG.1" ;;
	1) mv "$LOG" "$LOG.1"; gzip "$LOG.1" ;;
	2) cp -p "$LOG" "$LOG.1"; : > "$LOG" ;;
	esac
	rotations=$((rotations + 1)); since_rot=0
}

chunks=0 line=0 cut=0	# lines fully appended; bytes of line $line appended already
while [ $line -lt $N ]; do
	rnd 2500; n=$((R + 50))
	[ $((line + n)) -gt $N ] && n=$((N - line))
	to=$((line + n))
	a=$(sed -n "$((line + 1))p" "$T/offsets"); a=$((a + cut))
	b=$(sed -n "$((to + 1))p" "$T/offsets")
	rnd 4
	if [ $R = 0 ] && [ $to -lt $N ]; then	# end inside the next line
		rnd 40; cut=$((R + 1))
	else
		cut=0
	fi
	# rotate at a line boundary, once a run has finished since the last one
	rnd 5
	if [ $R = 0 ] && [ $cut = 0 ] && [ $since_rot = 1 ] && [ -e "$LOG" ] &&
	    [ "$(tail -c 1 "$LOG" | od -An -c | tr -d ' ')" = '\n' ]; then
		rotate
	fi
	tail -c +$((a + 1)) "$T/full.log" | head -c $((b + cut - a)) >> "$LOG"
	line=$to
	now=$((START + line / RATE + 1))
	rnd 4; tries=$R
	i=0
	while [ $i -le $tries ]; do
		attempt $now
		case $rc in 0|137) ;; *) bad "run exited $rc after a kill" ;; esac
		i=$((i + 1))
	done
	chunks=$((chunks + 1))
	[ $((chunks % 25)) = 0 ] &&
	    echo "  $line lines, $kills kills ($landed inside a run), $rotations rotations" >&2
	rnd 2
	if [ $R = 0 ]; then
		finish $now
		[ $rc = 0 ] || bad "a run after kills exited $rc"
	fi
done
while [ $landed -lt "$KILLS_MIN" ]; do	# more kills on the complete log
	iptables -F fail2ban-mail 2>/dev/null; ip6tables -F fail2ban-mail 2>/dev/null
	attempt $NOW_END
	case $rc in 0|137) ;; *) bad "run exited $rc after a kill" ;; esac
done
finish $NOW_END; [ $rc = 0 ] || bad "final run exited $rc"
finish $NOW_END; [ $rc = 0 ] || bad "second final run exited $rc"
dump "$T/w" > "$T/w.dump"
echo "feeding: $N lines in chunks, $rotations rotations, $kills kills ($landed inside a run), $completed complete runs"
if diff -u "$T/ref.dump" "$T/w.dump" > "$T/diff"; then
	echo "ok 1 - killed $landed times: database and chains equal one uninterrupted run"
else
	echo "not ok 1 - killed $landed times: differs from one uninterrupted run"
	head -40 "$T/diff" | sed 's/^/#   /'; exit 1
fi

# SIGKILL of the whole process group while iptables-restore runs
printf '#!/bin/sh\nsleep 0.2\nexec /usr/sbin/iptables-restore "$@"\n' > "$T/slow4"
printf '#!/bin/sh\nsleep 0.2\nexec /usr/sbin/ip6tables-restore "$@"\n' > "$T/slow6"
printf '#!/bin/sh\ncat > /dev/null\necho "refused by the test" >&2\nexit 1\n' > "$T/fail"
chmod 755 "$T/slow4" "$T/slow6" "$T/fail"
conf "$T/w" "$T/slow4" "$T/slow6"; cp "$CONF" "$T/slow.conf"
conf "$T/w" "$T/fail" "$T/fail"; cp "$CONF" "$T/fail.conf"
conf "$T/w"
est=500 k0=$landed
for i in $(seq 1 30); do
	iptables -F fail2ban-mail; ip6tables -F fail2ban-mail
	attempt $NOW_END "$T/slow.conf"
	case $rc in 0|137) ;; *) bad "run with slow restore exited $rc" ;; esac
done
dump "$T/w" | grep -v '^[46] ' > "$T/w2.dump"
ok2=$(grep -v '^[46] ' "$T/ref.dump" | diff - "$T/w2.dump" > /dev/null && echo ok || echo "not ok")
echo "$ok2 2 - $((landed - k0)) kills around iptables-restore: database unchanged"
finish $NOW_END
dump "$T/w" > "$T/w.dump"
if [ $rc = 0 ] && diff -u "$T/ref.dump" "$T/w.dump" > "$T/diff"; then
	echo "ok 3 - the next run after those kills applies: chains equal"
else
	echo "not ok 3 - the run after kills during restore (exit $rc)"; head -40 "$T/diff" | sed 's/^/#   /'; exit 1
fi

# iptables-restore fails: exit 1 with its reason, database stays, next run applies
iptables -F fail2ban-mail; ip6tables -F fail2ban-mail
"$MAILBAN" run -c "$T/fail.conf" --now $NOW_END > "$T/run.out" 2>&1; rc=$?
want="mailban: iptables-restore exited 1: refused by the test; chain left unchanged
mailban: ip6tables-restore exited 1: refused by the test; chain left unchanged"
if [ $rc = 1 ] && [ "$(cat "$T/run.out")" = "$want" ] &&
    [ "$(dump "$T/w" | grep -v '^[46] ')" = "$(grep -v '^[46] ' "$T/ref.dump")" ]; then
	echo "ok 4 - failing restore: exit 1 with the reason, database unchanged"
else
	echo "not ok 4 - failing restore (exit $rc)"; sed 's/^/#   /' "$T/run.out"; exit 1
fi
finish $NOW_END
dump "$T/w" > "$T/w.dump"
if [ $rc = 0 ] && diff -u "$T/ref.dump" "$T/w.dump" > "$T/diff"; then
	echo "ok 5 - the next good run applies: chains equal"
else
	echo "not ok 5 - after a failing restore (exit $rc)"; head -40 "$T/diff" | sed 's/^/#   /'; exit 1
fi
[ "$ok2" = ok ] || exit 1
echo "torture: seed $SEED: $landed SIGKILLs inside runs ($kills sent), $rotations rotations: all equal"
