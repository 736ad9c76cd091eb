#!/bin/sh
# bench.sh BUILD -- mailban's benchmark; run from the repository root
# (`make bench`).  A measurement, not a test: it never fails on a number.
#
# Builds genlog, generates seeded sendmail logs (cached in $BENCH_CACHE,
# default /tmp/mailban-bench, keyed by every genlog parameter and the hash
# of genlog.c), then times, REPS times each, median:
#   mailban     BUILD/mailban scan -c CONF --db DB LOG   (fresh database,
#               no firewall; CONF = conf/mailban.conf with logpath and
#               database pointed into a temp dir)
#   grep        grep -cF 'did not issue' LOG             (I/O floors)
#   wc          wc -l LOG
#   fail2ban-regex  on a 200k-line slice with sendmail-reject.conf and,
#               separately, sendmail-auth.conf (if installed)
# and prints one table plus per-line time ratios.  Page cache is warm
# (every log is read once before timing).  Peak RSS needs /usr/bin/time.
#
# Knobs (environment): BENCH_SIZES="1000000 10000000" BENCH_REPS=3
# BENCH_SEED=1 BENCH_FORMAT=bsd|rfc3339|mixed BENCH_ABUSE=5
# BENCH_ATTACKERS=500 BENCH_CACHE=/tmp/mailban-bench BENCH_F2B_LINES=200000
set -u
LC_ALL=C TZ=UTC
export LC_ALL TZ
umask 077

BUILD=${1:-build}
if [ ! -f conf/mailban.conf ] || [ ! -f tests/bench/genlog.c ]; then
	echo "bench.sh: run from the repository root: sh tests/bench/bench.sh BUILD" >&2
	exit 64
fi
TOP=$(pwd)
case $BUILD in
/*)	MAILBAN=$BUILD/mailban ;;
*)	MAILBAN=$TOP/$BUILD/mailban ;;
esac
SIZES=${BENCH_SIZES:-"1000000 10000000"}
REPS=${BENCH_REPS:-3}
SEED=${BENCH_SEED:-1}
FMT=${BENCH_FORMAT:-bsd}
ABUSE=${BENCH_ABUSE:-5}
ATTACKERS=${BENCH_ATTACKERS:-500}
CACHE=${BENCH_CACHE:-/tmp/mailban-bench}
F2B_LINES=${BENCH_F2B_LINES:-200000}
F2B_FILTERS=/etc/fail2ban/filter.d

TMP=$(mktemp -d /tmp/mailban-bench-run.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
ROWS=$TMP/rows			# tool lines ms bytes rss
NOTES=$TMP/notes
: > "$ROWS"; : > "$NOTES"

note() { printf '%s\n' "$*" >> "$NOTES"; }

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
TIMEBIN=
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o "$TMP/rss" true 2>/dev/null; then
	TIMEBIN=/usr/bin/time
else
	note "peak RSS not measured: /usr/bin/time missing (Debian package: time)"
fi

# run_timed OUT CMD...: run CMD (stdout+stderr to OUT); sets MS (wall
# milliseconds), CPU (user+sys ms, or "-") and RSS (peak KB or "-");
# returns CMD's status.
run_timed() {
	_out=$1; shift
	rm -f "$TMP/rss"
	_t0=$(date +%s%N)
	if [ -n "$TIMEBIN" ]; then
		"$TIMEBIN" -f '%U %S %M' -o "$TMP/rss" "$@" > "$_out" 2>&1
	else
		"$@" > "$_out" 2>&1
	fi
	_rc=$?
	_t1=$(date +%s%N)
	MS=$(( (_t1 - _t0) / 1000000 ))
	[ "$MS" -gt 0 ] || MS=1
	# shellcheck disable=SC2046
	set -- $(tail -n 1 "$TMP/rss" 2>/dev/null)
	if [ $# = 3 ]; then
		CPU=$(echo "$1 $2" | awk '{ printf "%d", ($1 + $2) * 1000 }') RSS=$3
	else
		CPU=- RSS=-
	fi
	return $_rc
}

median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
maxof() { printf '%s\n' "$@" | grep -v '^-$' | sort -n | tail -n 1; }

# bench_cmd TOOL LINES BYTES CMD...: REPS timed runs, one median row
# (ROWS: tool lines wall-ms bytes peak-rss cpu-ms).
# Returns 1 (and records "n/a") if any run fails.
bench_cmd() {
	_tool=$1 _lines=$2 _bytes=$3; shift 3
	_ms='' _rss='' _cpu='' _i=0
	while [ "$_i" -lt "$REPS" ]; do
		_i=$((_i + 1))
		if ! run_timed "$TMP/out" "$@"; then
			echo "$_tool $_lines n/a $_bytes - -" >> "$ROWS"
			note "$_tool ($_lines lines) failed: $(head -n 3 "$TMP/out" | tr '\n' ' ')"
			return 1
		fi
		_ms="$_ms $MS" _rss="$_rss $RSS" _cpu="$_cpu $CPU"
	done
	# shellcheck disable=SC2086
	echo "$_tool $_lines $(median $_ms) $_bytes $(maxof $_rss) $(median $_cpu)" >> "$ROWS"
	return 0
}

# ---- genlog and the logs ----
echo "bench: building genlog" >&2
cc -O2 -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -o "$TMP/genlog" tests/bench/genlog.c || exit 1
mkdir -p "$CACHE" || exit 1
GHASH=$(sha256sum tests/bench/genlog.c | cut -c1-12)

# log_for LINES: echo the cached log's path, generating it if needed.
log_for() {
	_f=$CACHE/mail-n$1-s$SEED-a$ABUSE-A$ATTACKERS-f$FMT-$GHASH.log
	if [ ! -s "$_f" ] || [ ! -s "$_f.sum" ]; then
		echo "bench: generating $1 lines into $_f" >&2
		for _old in "$CACHE"/mail-*; do	# logs of an older genlog.c
			case $_old in *"-$GHASH.log"*) ;; *) rm -f "$_old" ;; esac
		done
		"$TMP/genlog" -v -s "$SEED" -n "$1" -a "$ABUSE" -A "$ATTACKERS" \
		    -f "$FMT" > "$_f.tmp" 2> "$_f.sum.tmp" &&
		    mv "$_f.sum.tmp" "$_f.sum" && mv "$_f.tmp" "$_f" || exit 1
	fi
	echo "$_f"
}

CONF_SRC=conf/mailban.conf
first=
for n in $SIZES; do
	log=$(log_for "$n") || exit 1
	[ -n "$first" ] || first=$log
	bytes=$(wc -c < "$log")
	cat "$log" > /dev/null		# warm the page cache

	# (a) mailban scan, fresh database each run
	if [ -x "$MAILBAN" ]; then
		conf=$TMP/mailban-$n.conf db=$TMP/db-$n/mailban.db
		mkdir -p "$TMP/db-$n"
		sed -e "s|^logpath[ 	]*=.*|logpath   = $log|" \
		    -e "s|^database[ 	]*=.*|database  = $db|" "$CONF_SRC" > "$conf"
		_ms='' _rss='' _cpu='' _i=0 ok=1
		while [ "$_i" -lt "$REPS" ]; do
			_i=$((_i + 1))
			rm -f "$db" "$db-wal" "$db-shm" "$db.lock"
			if ! run_timed "$TMP/out" "$MAILBAN" scan -c "$conf" --db "$db" "$log"; then
				ok=0
				note "mailban scan ($n lines) failed: $(head -n 3 "$TMP/out" | tr '\n' ' ')"
				break
			fi
			_ms="$_ms $MS" _rss="$_rss $RSS" _cpu="$_cpu $CPU"
		done
		if [ "$ok" = 1 ]; then
			# shellcheck disable=SC2086
			echo "mailban $n $(median $_ms) $bytes $(maxof $_rss) $(median $_cpu)" >> "$ROWS"
			# a cross-check against genlog's own count, not a verdict
			if command -v sqlite3 > /dev/null &&
			    f=$(sqlite3 "$db" "SELECT group_concat(jail || ' ' || c, ', ') FROM (SELECT jail, count(*) c FROM failures GROUP BY jail)" 2>/dev/null) &&
			    b=$(sqlite3 "$db" "SELECT group_concat(jail || ' ' || c, ', ') FROM (SELECT jail, count(DISTINCT address) c FROM bans GROUP BY jail)" 2>/dev/null); then
				note "mailban $n lines: failures stored: ${f:-none}; addresses banned: ${b:-none}"
			fi
		else
			echo "mailban $n n/a $bytes - -" >> "$ROWS"
		fi
	else
		echo "mailban $n n/a $bytes - -" >> "$ROWS"
		grep -q 'not built' "$NOTES" || note "mailban: $MAILBAN not built"
	fi
	note "genlog $n lines: $(grep -o 'failures:.*' "$log.sum")"
	note "genlog $n lines: $(grep -o 'addresses with.*auth [0-9]*;' "$log.sum") $(grep -o 'localhost probes.*' "$log.sum")"

	# (b) I/O floors
	bench_cmd grep "$n" "$bytes" grep -cF 'did not issue' "$log"
	bench_cmd wc "$n" "$bytes" wc -l "$log"
done

# (c) fail2ban-regex on a slice of the first log
if command -v fail2ban-regex > /dev/null && [ -n "$first" ]; then
	head -n "$F2B_LINES" "$first" > "$TMP/slice.log"
	head -n 1 "$first" > "$TMP/one.log"
	if run_timed "$TMP/out" fail2ban-regex "$TMP/one.log" "$F2B_FILTERS/sendmail-reject.conf"; then
		note "fail2ban-regex fixed cost (1-line log, included in its rows): $MS ms"
	fi
	sbytes=$(wc -c < "$TMP/slice.log")
	slines=$(wc -l < "$TMP/slice.log")
	for f in sendmail-reject sendmail-auth; do
		if [ ! -f "$F2B_FILTERS/$f.conf" ]; then
			note "fail2ban-regex: $F2B_FILTERS/$f.conf missing"
			continue
		fi
		echo "bench: fail2ban-regex $f ($slines lines)" >&2
		if bench_cmd "f2b-regex:$f" "$slines" "$sbytes" \
		    fail2ban-regex "$TMP/slice.log" "$F2B_FILTERS/$f.conf"; then
			note "fail2ban-regex $f.conf (as shipped$( [ $f = sendmail-reject ] && echo ", mode normal")): $(grep '^Lines:' "$TMP/out")"
		fi
	done
else
	note "fail2ban-regex not installed: no comparison"
fi

# ---- report ----
echo
echo "mailban benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPU, $(uname -r)"
echo "logs: genlog -s $SEED -a $ABUSE -A $ATTACKERS -f $FMT (cache $CACHE); median of $REPS runs, warm page cache"
echo "load average at start: $LOAD0, at end: $(cut -d' ' -f1-3 /proc/loadavg) (cpu s = user+sys, less sensitive to other load)"
awk '
function fmt(x) { return x >= 100 ? sprintf("%.0f", x) : sprintf("%.2f", x) }
BEGIN { printf "%-26s %10s %9s %8s %12s %9s %12s\n", "tool", "lines", "seconds", "cpu s", "lines/s", "MB/s", "peak RSS KB" }
{
	if ($3 == "n/a") {
		printf "%-26s %10d %9s %8s %12s %9s %12s\n", $1, $2, "n/a", "n/a", "n/a", "n/a", "n/a"
		next
	}
	s = $3 / 1000
	printf "%-26s %10d %9.3f %8s %12.0f %9s %12s\n", $1, $2, s, $6 == "-" ? "-" : sprintf("%.3f", $6 / 1000), $2 / s, fmt($4 / 1e6 / s), $5
	perline[$1 " " $2] = s / $2
	if ($1 ~ /^f2b-regex/) { f2b[$1] = s / $2; f2bsum += s / $2; nf2b++ }
	if ($1 == "mailban") size[++nsize] = $2
}
END {
	print ""
	print "ratios of time per line (mailban / other; < 1: mailban is faster):"
	for (k = 1; k <= nsize; k++) {
		n = size[k]
		m = perline["mailban " n]
		line = sprintf("  mailban %d lines:", n)
		for (t in f2b)
			line = line sprintf("  /%s %.4f (%.0fx faster)", t, m / f2b[t], f2b[t] / m)
		if (nf2b > 1)
			line = line sprintf("  /f2b-regex(both) %.4f (%.0fx faster)", m / f2bsum, f2bsum / m)
		if (("grep " n) in perline)
			line = line sprintf("  /grep %.1f", m / perline["grep " n])
		if (("wc " n) in perline)
			line = line sprintf("  /wc %.1f", m / perline["wc " n])
		print line
	}
	if (nsize == 0)
		print "  n/a: no mailban measurement"
}' "$ROWS"
echo
echo "notes:"
sed 's/^/  /' "$NOTES"
exit 0
