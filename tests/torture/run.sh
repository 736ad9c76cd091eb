#!/bin/sh
# run.sh BUILD -- crash consistency under SIGKILL (`make torture`).  Run
# from the repository root as root; it runs inside `unshare -n`.
#
# A 150,000-line sendmail log (tests/bench/genlog.c -s 7 -n 150000 -a 5
# -A 300, 300 attackers) is fed to mail.log in chunks of seeded random size
# (one in eight of 5,000 lines or more: a long read), some ending inside a
# line.  After each chunk `mailban run` is started (in its own process
# group) and killed with SIGKILL after a seeded random delay, one to four
# times, sometimes then let finish; WHILE those runs read, the writer
# appends more lines and logrotate rotates (rename, rename + immediate
# gzip, or copytruncate, with delaycompress of the older files), and now
# and then it rotates between runs.  At the end runs go to completion.
# The failures (as a multiset), the bans, the reader position and both
# chains must then equal those of ONE
# uninterrupted run over the whole log, done on a copy in another network
# namespace.  Then the same state survives SIGKILL of the whole process
# group while iptables-restore runs (a wrapper that sleeps, then execs the
# real one) and a restore that fails (exit 1): the database stays, and the
# next good run makes the chains equal again.
#
# --now of each run is the time of the last complete line before it (what
# cron sees); the lines appended during the run are up to a minute later.
# Seed: TORTURE_SEED (default: from the clock), printed first.  The delays
# are random; the RESULT is what is asserted.  Prints "ok"/"not ok" lines
# and a summary with the numbers of kills and of rotations during a run;
# exit 1 on any difference, or if no rotation happened during a run.
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
# TORTURE_KEEP=1: keep the directory (its "journal" lists every step)
if [ -n "${TORTURE_KEEP:-}" ]; then
	trap 'echo "torture: kept $T" >&2' EXIT
else
	trap 'rm -rf "$T"' EXIT
fi
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

# msleep MS: sleep that many milliseconds
msleep() {
	sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
}
# feed N: append the next N lines of the log (fewer at its end); one time
# in four the append ends inside the line after them
feed() {
	n=$1
	[ $((line + n)) -gt $N ] && n=$((N - line))
	[ $n -gt 0 ] || return 0
	to=$((line + n))
	a=$(sed -n "$((line + 1))p" "$T/offsets"); a=$((a + cut))
	b=$(sed -n "$((to + 1))p" "$T/offsets")
	rnd 4
	if [ $R = 0 ] && [ $to -lt $N ]; then	# end inside the next line
		rnd 40; ncut=$((R + 1))
	else
		ncut=0
	fi
	tail -c +$((a + 1)) "$T/full.log" | head -c $((b + ncut - a)) >> "$LOG"
	line=$to cut=$ncut
}
# can_rotate: at a line boundary, and a run has finished (with no rotation
# during it) since the last rotation, so that the committed position is at
# most one rotation behind and no kept file is deleted before it is read;
# and not after the last line (the end state is compared at mail.log)
can_rotate() {
	[ $line -lt $N ] && [ $cut = 0 ] && [ $since_rot = 1 ] && [ -e "$LOG" ] &&
	    [ "$(tail -c 1 "$LOG" | od -An -c | tr -d ' ')" = '\n' ]
}
# during P [G]: what the writer and logrotate do while run P reads:
# nothing, append some lines, rotate (rename, rename + gzip,
# copytruncate), or rotate then append.  P (its process group G if given)
# is stopped (SIGSTOP) meanwhile, wherever it is (half of the time as soon
# as it is seen with the log open), so that the rotation
# falls between two of its steps for sure; then it goes on (SIGCONT).
# Counted: rotdur, rotations while P was alive; rotread, while P had
# the log or one of its rotated files open (it was reading them).
# reading P: does process P (or the run that P traces) have the log or a
# rotated file of it open?
reading() {
	for q in $1 $(cat /proc/$1/task/$1/children 2>/dev/null); do
		ls -l /proc/$q/fd 2>/dev/null | grep -q " $T/w/log/mail\.log" && return 0
	done
	return 1
}
# during P [G]: what the writer and logrotate do while run P reads:
# nothing, append some lines, rotate (rename, rename + gzip,
# copytruncate), or rotate then append.  A run under strace (traced=1)
# sleeps 300 ms inside one of its reads of the log: the step waits until
# it sees the log open, then acts.  Otherwise P (its process group G if
# given) is stopped (SIGSTOP) wherever it is (half of the time as soon as
# it is seen with the log open), and goes on (SIGCONT) after the step.
# Counted: rotdur, rotations while P was alive; rotread, while P had
# the log or one of its rotated files open (it was reading them).
during() {
	rnd 4; act=$R
	[ $act = 0 ] && return 0
	rnd 2
	if [ $traced = 1 ] || [ $R = 0 ]; then	# wait until it reads (it may never)
		k=0
		while [ $k -lt 60 ] && kill -0 $1 2>/dev/null && ! reading $1; do
			k=$((k + 1))
		done
	fi
	[ $traced = 1 ] ||
	    kill -STOP ${2:+-}${2:-$1} 2>/dev/null || kill -STOP $1 2>/dev/null
	if [ $act -ge 2 ] && can_rotate; then
		rd=0
		if kill -0 $1 2>/dev/null; then
			rotdur=$((rotdur + 1))
			reading $1 && rd=1
		fi
		rotate
		[ $rd = 1 ] && rotread=$((rotread + 1)) &&
		    eval "rotread_$how=\$((rotread_$how + 1))"
		during_rot=1
	fi
	if [ $act = 1 ] || [ $act = 3 ]; then
		rnd 300; feed $((R + 1))
	fi
	[ $traced = 1 ] || { kill -CONT ${2:+-}${2:-$1} 2>/dev/null; kill -CONT $1 2>/dev/null; }
}
# start NOW CONF SETSID QUIET: start a run in the background (p); one time
# in two (not quiet, strace installed) under strace, which makes its first
# or second read of the log or mail.log.1 sleep 300 ms, before or after
# the read (the window for during)
start() {
	traced=0
	if [ -n "$STRACE" ] && [ "$4" != quiet ]; then rnd 2; [ $R = 0 ] && traced=1; fi
	if [ $traced = 1 ]; then
		rnd 2; k=$((R + 1)); rnd 2
		[ $R = 0 ] && inj=delay_enter || inj=delay_exit
		$3 strace -f --seccomp-bpf -o /dev/null -P "$LOG" -P "$LOG.1" -e trace=read \
		    -e inject=read:$inj=300000:when=$k \
		    "$MAILBAN" run -c "$2" --now "$1" > "$T/run.out" 2>&1 &
	else
		$3 "$MAILBAN" run -c "$2" --now "$1" > "$T/run.out" 2>&1 &
	fi
	p=$!
}
STRACE=$(command -v strace)
[ -n "$STRACE" ] || echo "torture: no strace: rotations during runs only at random points" >&2
# attempt NOW [CONF [quiet]]: start a run; after a random delay (0 .. 1.3
# x the last complete run's time) kill its process group; somewhere
# before the kill, the writer and logrotate act (during).  Sets rc.
attempt() {
	start "$1" "${2:-$CONF}" setsid "${3:-}"
	rnd $((est * 13 / 10 + 1)); d=$R
	[ $traced = 1 ] && d=$((d + 300))
	rnd $((d + 1)); d1=$R
	during_rot=0
	msleep $d1
	[ "${3:-}" = quiet ] || during $p $p
	[ $d -gt $d1 ] && msleep $((d - d1))
	# the group; or the process, if setsid(2) has not happened yet
	kill -KILL -$p 2>/dev/null || kill -KILL $p 2>/dev/null
	wait $p 2>/dev/null; rc=$?
	{ echo "attempt now $1 line $line traced $traced$([ $traced = 1 ] && echo " $inj $k"): exit $rc"; cat "$T/run.out"; } >> "$T/journal"
	kills=$((kills + 1))
	[ $rc = 137 ] && landed=$((landed + 1))
	[ $rc = 0 ] && [ $during_rot = 0 ] && since_rot=1	# it committed
}
# finish NOW [CONF [quiet]]: a run that is not killed, the writer and
# logrotate acting while it runs (unless quiet); est = its time in ms
finish() {
	during_rot=0
	t0=$(date +%s%N)
	start "$1" "${2:-$CONF}" "" "${3:-}"
	if [ "${3:-}" != quiet ]; then
		rnd $((est + 1)); msleep $R
		during $p
	fi
	wait $p; rc=$?
	{ echo "finish now $1 line $line traced $traced: exit $rc"; cat "$T/run.out"; } >> "$T/journal"
	[ $traced = 1 ] || est=$((($(date +%s%N) - t0) / 1000000 + 1))
	completed=$((completed + 1))
	[ $during_rot = 0 ] && since_rot=1
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
	echo "rotate $how at line $line" >> "$T/journal"
}

# Chunks of 50..1049 lines, one in eight of 5,000..14,999 (a long read for
# a rotation to land in).  After each chunk, 1..4 runs killed at random
# points, and every other time one that finishes; the writer appends and
# logrotate rotates while those runs read.  --now is the time of the last
# complete line before the run (lines appended during it are later).
rotdur=0 rotread=0 rotread_0=0 rotread_1=0 rotread_2=0
chunks=0 line=0 cut=0	# lines fully appended; bytes of line $line appended already
while [ $line -lt $N ]; do
	rnd 8
	if [ $R = 0 ]; then rnd 10000; n=$((R + 5000)); else rnd 1000; n=$((R + 50)); fi
	# sometimes rotate between runs too
	rnd 16
	if [ $R = 0 ] && can_rotate; then
		rotate
	fi
	feed $n
	rnd 4; tries=$R
	i=0
	while [ $i -le $tries ]; do
		attempt $((START + line / RATE + 1))
		case $rc in 0|137) ;; *) bad "run exited $rc after a kill" ;; esac
		i=$((i + 1))
	done
	chunks=$((chunks + 1))
	[ $((chunks % 25)) = 0 ] &&
	    echo "  $line lines, $kills kills ($landed inside a run), $rotations rotations ($rotdur during a run, $rotread while it read)" >&2
	rnd 2
	if [ $R = 0 ]; then
		finish $((START + line / RATE + 1))
		[ $rc = 0 ] || bad "a run after kills exited $rc"
	fi
done
while [ $landed -lt "$KILLS_MIN" ]; do	# more kills on the complete log
	iptables -F fail2ban-mail 2>/dev/null; ip6tables -F fail2ban-mail 2>/dev/null
	attempt $NOW_END "$CONF" quiet
	case $rc in 0|137) ;; *) bad "run exited $rc after a kill" ;; esac
done
finish $NOW_END "$CONF" quiet; [ $rc = 0 ] || bad "final run exited $rc"
finish $NOW_END "$CONF" quiet; [ $rc = 0 ] || bad "second final run exited $rc"
dump "$T/w" > "$T/w.dump"
echo "feeding: $N lines in chunks, $rotations rotations ($rotdur during a run, $rotread of them while it had the log open: $rotread_0 rename, $rotread_1 rename + gzip, $rotread_2 copytruncate), $kills kills ($landed inside a run), $completed complete runs"
if diff -u "$T/ref.dump" "$T/w.dump" > "$T/diff"; then
	echo "ok 1 - killed $landed times, rotated $rotread times while a run read: database and chains equal one uninterrupted run"
else
	echo "not ok 1 - killed $landed times: differs from one uninterrupted run"
	head -40 "$T/diff" | sed 's/^/#   /'; exit 1
fi
[ $rotread -gt 0 ] || { echo "not ok 1 - no rotation happened while a run read"; exit 1; }

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
	attempt $NOW_END "$T/slow.conf" quiet
	case $rc in 0|137) ;; *) bad "run with slow restore exited $rc" ;; esac
done
dump "$T/w" | grep -v '^[46] ' > "$T/w2.dump"
ok2=$(grep -v '^[46] ' "$T/ref.dump" | diff - "$T/w2.dump" > /dev/null && echo ok || echo "not ok")
echo "$ok2 2 - $((landed - k0)) kills around iptables-restore: database unchanged"
finish $NOW_END "$CONF" quiet
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
finish $NOW_END "$CONF" quiet
dump "$T/w" > "$T/w.dump"
if [ $rc = 0 ] && diff -u "$T/ref.dump" "$T/w.dump" > "$T/diff"; then
	echo "ok 5 - the next good run applies: chains equal"
else
	echo "not ok 5 - after a failing restore (exit $rc)"; head -40 "$T/diff" | sed 's/^/#   /'; exit 1
fi
[ "$ok2" = ok ] || exit 1
echo "torture: seed $SEED: $N lines, $landed SIGKILLs inside runs ($kills sent), $rotations rotations ($rotdur during a run, $rotread while it read): all equal"
