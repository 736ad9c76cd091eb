#!/bin/sh
# bench.sh BUILD -- mailban's benchmark; run from the repository root
# (`make bench`).  A measurement, not a test: it never fails on a number.
# Prints one table (median of several runs, warm page cache), the first
# targets with the measured figure next to each, and the speed targets
# with the figure, the limit, their ratio (figure / limit) and "met" or
# "missed"; writes all with the machine and the date to bench/RESULTS.md
# (BENCH_RESULTS=FILE elsewhere, BENCH_RESULTS=- nowhere).
#
# 1. Throughput: `mailban scan` (fresh database, no firewall) of seeded
#    sendmail logs from genlog.c (BENCH_SIZES lines), next to `grep -cF`
#    of one fixed string and `wc -l` of the same file, and fail2ban-regex
#    (sendmail-reject and sendmail-auth, if installed) on a slice.  Then
#    stages.c splits one scan of the largest log into its stages.
# 2. Window shape: `mailban scan` of genfail.c logs where one attacker
#    makes every failure (one a second: a ban an hour), and where every
#    failure has its own attacker, each at BENCH_WINDOW_LINES and at a
#    quarter of that: the growth factor is 4 if linear, 16 if quadratic.
# 3. Cron runs, as root inside `unshare -n` with the real iptables and
#    ip6tables (skipped otherwise), each `mailban run -c CONF --now T`:
#    - no-op (nothing new in the log) with 100 bans in force;
#    - applying BENCH_BANS new bans (BENCH_V6PCT percent IPv6) to empty
#      chains, on a database of BENCH_BANS_FAILURES failures;
#    - no-op with those bans in force (their iptables-save included);
#    - BENCH_INCR_LINES new lines of genlog traffic on a database of
#      BENCH_BIG_FAILURES failures, and a no-op run on it; the firewall
#      part (iptables-save + ip6tables-save) is timed apart.
#    - a burst (BENCH_ONLY=burst alone): a run on a fresh database that
#      reads BENCH_BURST_LINES failure lines (genfail, bursts of 5) and
#      applies BENCH_BURST_BANS new bans to empty chains (backend chain).
#    Databases are built with `mailban scan`; the big one is cached in
#    BENCH_CACHE, keyed by genfail.c, its options and sql/schema.sql.
# 4. Hostile lines: `mailban scan` (shipped config, aggressive mode) of
#    sendmail lines whose client-written parts (arg1=<...>, from=<...>,
#    msgid=<...>, names, user=, the reject text's echo) are runs of '@',
#    '<', spaces and fake fields: ten 60 KB arg1 values, and 300 lines of
#    8 KB of every kind.  Quadratic patterns took seconds here; linear ones
#    take milliseconds.  Run it alone with BENCH_ONLY=hostile.
# 5. Backends side by side, as root inside `unshare -n` (real iptables,
#    ipset and nftables), for backend = chain, ipset and nft, each with
#    maxbans = BENCH_BACKEND_BANS: applying BENCH_BACKEND_BANS new bans to
#    a clean firewall (every backend's objects removed before each run),
#    and a no-op run with BENCH_BANS bans in force.
#
# Knobs (environment): BENCH_SIZES="1000000 10000000" BENCH_REPS=3
# BENCH_CRON_REPS=7 BENCH_SEED=1 BENCH_FORMAT=bsd|rfc3339|mixed
# BENCH_ABUSE=5 BENCH_ATTACKERS=500 BENCH_F2B_LINES=200000
# BENCH_WINDOW_LINES=1000000 BENCH_BANS=10000 BENCH_V6PCT=10
# BENCH_BANS_FAILURES=1000000 BENCH_BIG_FAILURES=10000000
# BENCH_INCR_LINES=1000 BENCH_CACHE=/tmp/mailban-bench
# BENCH_BACKEND_BANS=100000 BENCH_BACKEND_REPS=3
# BENCH_BURST_LINES=25000 BENCH_BURST_BANS=5000
# BENCH_SKIP="scan f2b stages window cron burst big hostile backends fleet" (any
# of these words); BENCH_ONLY="hostile" (only these parts)
# Fleet mode: tests/bench/fleet.sh (its own table, after the others):
#    push/pull cost per cron run for BENCH_HOSTS (10) hosts x
#    BENCH_FLEET_FAILURES (10,000) failures, through a scratch PostgreSQL.
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
/*)	BDIR=$BUILD ;;
*)	BDIR=$TOP/$BUILD ;;
esac
SIZES=${BENCH_SIZES:-"1000000 10000000"}
REPS=${BENCH_REPS:-3}
CREPS=${BENCH_CRON_REPS:-7}
SEED=${BENCH_SEED:-1}
FMT=${BENCH_FORMAT:-bsd}
ABUSE=${BENCH_ABUSE:-5}
ATTACKERS=${BENCH_ATTACKERS:-500}
CACHE=${BENCH_CACHE:-/tmp/mailban-bench}
F2B_LINES=${BENCH_F2B_LINES:-200000}
WLINES=${BENCH_WINDOW_LINES:-1000000}
NBANS=${BENCH_BANS:-10000}
V6PCT=${BENCH_V6PCT:-10}
BANFAIL=${BENCH_BANS_FAILURES:-1000000}
BIGFAIL=${BENCH_BIG_FAILURES:-10000000}
INCR=${BENCH_INCR_LINES:-1000}
BBANS=${BENCH_BACKEND_BANS:-100000}
BLINES=${BENCH_BURST_LINES:-25000}
BBANS5=${BENCH_BURST_BANS:-5000}
BREPS=${BENCH_BACKEND_REPS:-3}
SKIP=${BENCH_SKIP:-}
ONLY=${BENCH_ONLY:-}
RESULTS=${BENCH_RESULTS:-bench/RESULTS.md}
F2B_FILTERS=/etc/fail2ban/filter.d
T0=1795651200			# 2026-11-26T00:00:00Z: every log starts here
CHAIN=fail2ban-mail

skipped() {
	case " $SKIP " in *" $1 "*) return 0 ;; esac
	[ -z "$ONLY" ] && return 1
	case " $ONLY " in *" $1 "*) return 1 ;; esac
	return 0
}

if [ -n "${BENCH_IN_NETNS:-}" ]; then
	TMP=$BENCH_TMP		# the cron part: see cron_part below
else
	TMP=$(mktemp -d /tmp/mailban-bench-run.XXXXXX) || exit 1
	trap 'rm -rf "$TMP"' EXIT
	trap 'exit 130' INT TERM
fi
ROWS=$TMP/rows		# key|label|lines|wall ms (median)|min|max|cpu ms|peak RSS KB|bytes
NOTES=$TMP/notes
BIN=$TMP/bin
# A copy: the build directory may be rebuilt while the benchmark runs.
MAILBAN=$BIN/mailban

note() { printf '%s\n' "$*" >> "$NOTES"; }
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

# measure KEY LABEL LINES BYTES CMD...: NREPS (default REPS) runs of CMD
# through benchtime, after PREP (a command line, if set) each time; one
# row with the median, min and max wall time, the median cpu time and
# the largest peak RSS.  Returns 1 (row "n/a", and a note) on a failure.
measure() {
	_key=$1 _label=$2 _lines=$3 _bytes=$4; shift 4
	_w='' _c='' _r='' _i=0
	while [ "$_i" -lt "${NREPS:-$REPS}" ]; do
		_i=$((_i + 1))
		if [ -n "${PREP:-}" ] && ! eval "$PREP" > "$TMP/prep.out" 2>&1; then
			note "$_label: preparing run $_i failed: $(head -n 3 "$TMP/prep.out" | tr '\n' ' ')"
			echo "$_key|$_label|$_lines|n/a|||||$_bytes" >> "$ROWS"
			PREP='' NREPS=''
			return 1
		fi
		"$BIN/benchtime" "$TMP/out" "$@" > "$TMP/time" || return 1
		read -r _tw _tc _tr _ts < "$TMP/time"
		if [ "$_ts" != 0 ]; then
			note "$_label: exit $_ts: $(head -n 3 "$TMP/out" | tr '\n' ' ')"
			echo "$_key|$_label|$_lines|n/a|||||$_bytes" >> "$ROWS"
			PREP='' NREPS=''
			return 1
		fi
		_w="$_w $_tw" _c="$_c $_tc" _r="$_r $_tr"
	done
	PREP='' NREPS=''	# a prefix assignment may persist (POSIX)
	# shellcheck disable=SC2086
	echo "$_key|$_label|$_lines|$(median $_w)|$(printf '%s\n' $_w | sort -n | head -n 1)|$(printf '%s\n' $_w | sort -n | tail -n 1)|$(median $_c)|$(printf '%s\n' $_r | sort -n | tail -n 1)|$_bytes" >> "$ROWS"
	return 0
}

# conf_for LOG DB: a config (mode 0600) reading LOG into DB; echoes its path.
# scan_conf: one for `mailban scan --db`, whose logpath and database are
# elsewhere (scan refuses to read the live log into the live database).
scan_conf() { conf_for "$TMP/none.log" "$TMP/none.db"; }
conf_for() {
	_c=$TMP/conf.$(echo "$1 $2" | cksum | cut -d' ' -f1)
	sed -e "s|^logpath[ 	]*=.*|logpath   = $1|" \
	    -e "s|^database[ 	]*=.*|database  = $2|" conf/mailban.conf > "$_c" || return 1
	echo "$_c"
}

# ---------------------------------------------------------------------------
# 3. Cron runs: this script again, as root inside `unshare -n`.
cron_part() {
	DB100=$TMP/cron/db100 DB10K=$TMP/cron/db10k DBBIG=$TMP/cron/dbbig
	EMPTY=$TMP/cron/empty.log
	flush_chains() {
		for _f in iptables ip6tables; do
			printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' |
			    "$_f-restore" -w || return 1
		done
	}
	ip link set lo up 2>/dev/null

	# (d) the burst, first: a fresh database each time, nothing in force.
	if ! skipped burst; then
		BDB=$TMP/cron/dbburst
		"$BIN/genfail" -n "$BLINES" -A "$BBANS5" -b $((BLINES / BBANS5)) -6 "$V6PCT" \
		    -r 1000 -t "$T0" > "$TMP/cron/burst.log"
		c=$(conf_for "$TMP/cron/burst.log" "$BDB")
		now=$((T0 + BLINES / 1000 + 60))
		burst_prep() { rm -f "$BDB" "$BDB-wal" "$BDB-shm" "$BDB.lock" && flush_chains; }
		PREP=burst_prep NREPS=$CREPS measure burst \
		    "run, $BLINES failure lines -> $BBANS5 new bans" "$BLINES" 0 \
		    "$MAILBAN" run -c "$c" --now "$now" &&
		    note "cron burst: $BLINES failure lines read, $(iptables-save -t filter | grep -c "^-A $CHAIN ") IPv4 + $(ip6tables-save -t filter | grep -c "^-A $CHAIN ") IPv6 rules applied (fresh database, empty chains, backend chain)"
		flush_chains
	fi
	skipped cron && return 0

	# (a) no-op with 100 bans: 100 attackers, 5 failures each, by `run`.
	"$BIN/genfail" -n 500 -A 100 -b 5 -r 100 -t "$T0" > "$TMP/cron/f100.log"
	c=$(conf_for "$TMP/cron/f100.log" "$DB100")
	now=$((T0 + 60))
	if "$MAILBAN" run -c "$c" --now "$now" > "$TMP/out" 2>&1; then
		note "cron, 100 bans: $(iptables-save -t filter | grep -c "^-A $CHAIN ") + $(ip6tables-save -t filter | grep -c "^-A $CHAIN ") rules in force"
		NREPS=$CREPS measure noop100 "run, no-op, 100 bans in force" 0 0 \
		    "$MAILBAN" run -c "$c" --now "$now"
	else
		note "cron, 100 bans: first run failed: $(head -n 3 "$TMP/out" | tr '\n' ' ')"
	fi

	# (b) applying NBANS bans to empty chains, then the no-op with them.
	if [ -s "$DB10K" ]; then
		c=$(conf_for "$EMPTY" "$DB10K")
		now=$(cat "$DB10K.now")
		PREP=flush_chains NREPS=$CREPS measure apply10k \
		    "run, applying $NBANS new bans (empty chains)" 0 0 \
		    "$MAILBAN" run -c "$c" --now "$now"
		note "cron, $NBANS bans: $(iptables-save -t filter | grep -c "^-A $CHAIN ") IPv4 + $(ip6tables-save -t filter | grep -c "^-A $CHAIN ") IPv6 rules applied"
		NREPS=$CREPS measure noop10k "run, no-op, $NBANS bans in force" 0 0 \
		    "$MAILBAN" run -c "$c" --now "$now"
		NREPS=$CREPS measure save10k "  iptables-save + ip6tables-save of them" 0 0 \
		    sh -c 'iptables-save -t filter > /dev/null && ip6tables-save -t filter > /dev/null'
	fi

	# (c) INCR new lines, each run, on the big database; then a no-op.
	if [ -s "$DBBIG" ]; then
		: > "$TMP/cron/incr.log"
		c=$(conf_for "$TMP/cron/incr.log" "$DBBIG")
		now=$(cat "$DBBIG.now")
		flush_chains
		# The first run reads nothing and sets up the chains.
		"$MAILBAN" run -c "$c" --now "$now" > "$TMP/out" 2>&1 ||
		    note "cron, big database: first run failed: $(head -n 3 "$TMP/out" | tr '\n' ' ')"
		INCR_SEED=0
		incr_prep() {
			INCR_SEED=$((INCR_SEED + 1))
			"$BIN/genlog" -s "$INCR_SEED" -n "$INCR" -a "$ABUSE" -p 0 \
			    -t $((now - 3600 + INCR_SEED * 60)) >> "$TMP/cron/incr.log"
		}
		PREP=incr_prep NREPS=$CREPS measure incrbig \
		    "run, $INCR new lines, $BIGFAIL failures" "$INCR" 0 \
		    "$MAILBAN" run -c "$c" --now "$now"
		NREPS=$CREPS measure noopbig "run, no-op, $BIGFAIL failures" 0 0 \
		    "$MAILBAN" run -c "$c" --now "$now"
		NREPS=$CREPS measure savebig "  iptables-save + ip6tables-save" 0 0 \
		    sh -c 'iptables-save -t filter > /dev/null && ip6tables-save -t filter > /dev/null'
		note "cron, big database: $(iptables-save -t filter | grep -c "^-A $CHAIN ") IPv4 + $(ip6tables-save -t filter | grep -c "^-A $CHAIN ") IPv6 rules in force at the end"
	fi
}

# ---------------------------------------------------------------------------
# 4. Backends: this script again, as root inside `unshare -n`.
backends_part() {
	clean_all() {	# nothing of any backend left
		for _f in iptables ip6tables; do
			printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' |
			    "$_f-restore" -w || return 1
		done
		ipset destroy 2>/dev/null
		nft flush ruleset
	}
	# backend_conf BACKEND DB: a config with that backend, maxbans BBANS.
	backend_conf() {
		_c=$TMP/bk/conf.$1.$(basename "$2")
		sed -e "s|^logpath[ 	]*=.*|logpath   = $TMP/bk/empty.log|" \
		    -e "s|^database[ 	]*=.*|database  = $2|" \
		    -e "s|^maxbans[ 	]*=.*|maxbans   = $BBANS|" \
		    -e "s|^backend[ 	]*=.*|backend   = $1|" conf/mailban.conf > "$_c" || return 1
		echo "$_c"
	}
	in_force() {
		case $1 in
		chain)	echo "$(iptables-save -t filter | grep -c "^-A $CHAIN -s") IPv4 + $(ip6tables-save -t filter | grep -c "^-A $CHAIN -s") IPv6 rules" ;;
		ipset)	echo "$(ipset save | grep -c "^add $CHAIN ") IPv4 + $(ipset save | grep -c "^add ${CHAIN}6 ") IPv6 set members" ;;
		nft)	echo "$(nft -j list set inet $CHAIN ban4 | grep -o '"val"' | wc -l) IPv4 + $(nft -j list set inet $CHAIN ban6 | grep -o '"val"' | wc -l) IPv6 set elements" ;;
		esac
	}
	ip link set lo up 2>/dev/null
	for b in chain ipset nft; do
		c=$(backend_conf "$b" "$TMP/bk/dbbig")
		now=$(cat "$TMP/bk/dbbig.now")
		PREP=clean_all NREPS=$BREPS measure "apply-$b" \
		    "backend $b: applying $BBANS new bans" 0 0 \
		    "$MAILBAN" run -c "$c" --now "$now" &&
		    note "backend $b, $BBANS bans: $(in_force "$b") applied"
	done
	for b in chain ipset nft; do
		c=$(backend_conf "$b" "$TMP/bk/db10k")
		now=$(cat "$TMP/bk/db10k.now")
		clean_all
		if "$MAILBAN" run -c "$c" --now "$now" > "$TMP/out" 2>&1; then
			NREPS=$CREPS measure "noop-$b" "backend $b: no-op, $NBANS bans in force" \
			    0 0 "$MAILBAN" run -c "$c" --now "$now" &&
			    note "backend $b, no-op: $(in_force "$b") in force"
		else
			note "backend $b, $NBANS bans: first run failed: $(head -n 3 "$TMP/out" | tr '\n' ' ')"
		fi
	done
	clean_all
}

if [ -n "${BENCH_IN_NETNS:-}" ]; then
	case ${BENCH_PART:-cron} in
	backends)	backends_part ;;
	*)		cron_part ;;
	esac
	exit 0
fi

# ---------------------------------------------------------------------------
: > "$ROWS"; : > "$NOTES"
mkdir -p "$BIN" "$CACHE" "$TMP/cron" || exit 1
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "bench: building genlog, genfail, benchtime" >&2
for t in genlog genfail benchtime; do
	cc -O2 -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -o "$BIN/$t" "tests/bench/$t.c" || exit 1
done
if [ ! -x "$BDIR/mailban" ] || ! cp "$BDIR/mailban" "$MAILBAN"; then
	echo "bench.sh: $BDIR/mailban is not built (make all)" >&2
	exit 1
fi
# stages is built by the Makefile (make bench), with its flags and libraries.
HAVE_STAGES=0
if ! skipped stages && [ -x "$BDIR/stages" ] && cp "$BDIR/stages" "$BIN/stages"; then
	HAVE_STAGES=1
elif ! skipped stages; then
	note "stages not built: $BDIR/stages is missing (make bench builds it)"
fi
GHASH=$(sha256sum tests/bench/genlog.c | cut -c1-12)
FHASH=$(cat tests/bench/genfail.c sql/schema.sql | sha256sum | cut -c1-12)

# log_for LINES: echo the cached genlog log's path, generating it if needed.
log_for() {
	_f=$CACHE/mail-n$1-s$SEED-a$ABUSE-A$ATTACKERS-f$FMT-$GHASH.log
	if [ ! -s "$_f" ] || [ ! -s "$_f.sum" ]; then
		echo "bench: generating $1 lines into $_f" >&2
		for _old in "$CACHE"/mail-*; do	# logs of an older genlog.c
			case $_old in *"-$GHASH.log"*) ;; *) rm -f "$_old" ;; esac
		done
		"$BIN/genlog" -v -s "$SEED" -n "$1" -a "$ABUSE" -A "$ATTACKERS" \
		    -f "$FMT" > "$_f.tmp" 2> "$_f.sum.tmp" &&
		    mv "$_f.sum.tmp" "$_f.sum" && mv "$_f.tmp" "$_f" || exit 1
	fi
	echo "$_f"
}

# scan_fresh DB CONF LOG: the command line measured for a scan; PREP
# removes the database first.
scan_prep() { rm -f "$SDB" "$SDB-wal" "$SDB-shm" "$SDB.lock"; }
# scan_summary: the counts from the last command's output (a scan).
scan_summary() { grep -E '^(failures|bans):' "$TMP/out" | tr '\n' ' '; }

# ---- 1. throughput ----
first= last=
skipped scan && SIZES=''
for n in $SIZES; do
	log=$(log_for "$n") || exit 1
	[ -n "$first" ] || first=$log
	last=$log
	bytes=$(wc -c < "$log")
	cat "$log" > /dev/null		# warm the page cache
	SDB=$TMP/scan.db
	c=$(scan_conf)
	echo "bench: mailban scan, $n lines" >&2
	if PREP=scan_prep measure "scan$n" "mailban scan" "$n" "$bytes" \
	    "$MAILBAN" scan -c "$c" --db "$SDB" --now $((T0 + 86400 * 7)) "$log" &&
	    command -v sqlite3 > /dev/null; then
		# a cross-check against genlog's own count, not a verdict
		f=$(sqlite3 "$SDB" "SELECT group_concat(jail || ' ' || c, ', ') FROM (SELECT jail, count(*) c FROM failures GROUP BY jail)" 2>/dev/null)
		b=$(sqlite3 "$SDB" "SELECT group_concat(jail || ' ' || c, ', ') FROM (SELECT jail, count(DISTINCT address) c FROM bans GROUP BY jail)" 2>/dev/null)
		note "scan $n lines: $(scan_summary); by jail: ${f:-none}; addresses banned: ${b:-none}"
		note "genlog $n lines (its own count; the whitelist, ignoreself included, is mailban's): $(grep -o 'failures:.*' "$log.sum")"
	fi
	scan_prep
	measure "grep$n" "grep -cF 'did not issue'" "$n" "$bytes" grep -cF 'did not issue' "$log"
	measure "wc$n" "wc -l" "$n" "$bytes" wc -l "$log"
done

if ! skipped f2b && command -v fail2ban-regex > /dev/null && [ -n "$first" ]; then
	head -n "$F2B_LINES" "$first" > "$TMP/slice.log"
	head -n 1 "$first" > "$TMP/one.log"
	sbytes=$(wc -c < "$TMP/slice.log")
	slines=$(wc -l < "$TMP/slice.log")
	for f in sendmail-reject sendmail-auth; do
		if [ ! -f "$F2B_FILTERS/$f.conf" ]; then
			note "fail2ban-regex: $F2B_FILTERS/$f.conf missing"
			continue
		fi
		echo "bench: fail2ban-regex $f ($slines lines)" >&2
		measure "f2b-$f" "fail2ban-regex $f" "$slines" "$sbytes" \
		    fail2ban-regex "$TMP/slice.log" "$F2B_FILTERS/$f.conf" &&
		    note "fail2ban-regex $f: $(grep '^Lines:' "$TMP/out")"
	done
	NREPS=1 measure f2b-fixed "fail2ban-regex, 1-line log (its fixed cost)" 1 0 \
	    fail2ban-regex "$TMP/one.log" "$F2B_FILTERS/sendmail-reject.conf"
elif ! skipped f2b; then
	note "fail2ban-regex not installed: no comparison"
fi

if [ "$HAVE_STAGES" = 1 ] && [ -n "$last" ]; then
	echo "bench: stages of one scan of $last" >&2
	"$BIN/stages" "$(scan_conf)" "$TMP/stages.db" "$last" \
	    > "$TMP/stages.out" 2>&1 || note "stages failed: $(tail -n 2 "$TMP/stages.out" | tr '\n' ' ')"
	rm -f "$TMP/stages.db"*
fi

# ---- 2. window shape ----
if ! skipped window; then
	q=$((WLINES / 4))
	for w in "$q" "$WLINES"; do
		"$BIN/genfail" -n "$w" -A 1 -r 1 -t "$T0" > "$TMP/one-$w.log"
		"$BIN/genfail" -n "$w" -A "$w" -6 "$V6PCT" -r 1000 -t "$T0" > "$TMP/many-$w.log"
		SDB=$TMP/win.db
		now=$((T0 + w + 60))
		echo "bench: window, $w failures" >&2
		PREP=scan_prep measure "win1-$w" "scan, 1 attacker x $w failures" "$w" \
		    "$(wc -c < "$TMP/one-$w.log")" "$MAILBAN" scan -c "$(scan_conf)" \
		    --db "$SDB" --now "$now" "$TMP/one-$w.log"
		[ "$w" = "$WLINES" ] && note "window, 1 attacker x $w: $(scan_summary)"
		PREP=scan_prep measure "winN-$w" "scan, $w attackers x 1 failure" "$w" \
		    "$(wc -c < "$TMP/many-$w.log")" "$MAILBAN" scan -c "$(scan_conf)" \
		    --db "$SDB" --now "$now" "$TMP/many-$w.log"
		[ "$w" = "$WLINES" ] && note "window, $w attackers x 1: $(scan_summary)"
		scan_prep
		rm -f "$TMP/one-$w.log" "$TMP/many-$w.log"
	done
fi

# ---- 3. cron runs (root, unshare -n) ----
if ! skipped cron || ! skipped burst; then
	if [ "$(id -u)" != 0 ] || ! command -v unshare > /dev/null || ! command -v iptables-save > /dev/null; then
		note "cron runs not measured: they need root, unshare and iptables"
	elif ! skipped cron; then
		# The database of NBANS bans: bursts of BANFAIL/NBANS failures.
		echo "bench: database of $NBANS bans, $BANFAIL failures" >&2
		"$BIN/genfail" -n "$BANFAIL" -A "$NBANS" -b $((BANFAIL / NBANS)) -6 "$V6PCT" \
		    -r 1000 -t "$T0" > "$TMP/cron/f10k.log"
		echo $((T0 + BANFAIL / 1000 + 60)) > "$TMP/cron/db10k.now"
		if "$MAILBAN" scan -c "$(scan_conf)" \
		    --db "$TMP/cron/db10k" --now "$(cat "$TMP/cron/db10k.now")" \
		    "$TMP/cron/f10k.log" > "$TMP/out" 2>&1; then
			note "database for $NBANS bans: $(scan_summary)"
		else
			note "database for $NBANS bans: scan failed: $(head -n 3 "$TMP/out" | tr '\n' ' ')"
			rm -f "$TMP/cron/db10k"
		fi
		rm -f "$TMP/cron/f10k.log"
		: > "$TMP/cron/empty.log"

		# The big database: BIGFAIL failures of 100,000 attackers over 23
		# days, 5 a second (no bans: each attacker fails every 5.6 hours).
		if ! skipped big; then
			big=$CACHE/db-f$BIGFAIL-A100000-$FHASH
			rate=5
			# A cached database the current mailban refuses is rebuilt.
			if [ -s "$big" ] && { ! cp "$big" "$TMP/cron/dbbig" ||
			    ! "$MAILBAN" scan -c "$(scan_conf)" --db "$TMP/cron/dbbig" \
			    --now "$(cat "$big.now")" "$TMP/cron/empty.log" > "$TMP/out" 2>&1; }; then
				note "cached $big refused, rebuilt: $(head -n 1 "$TMP/out")"
				rm -f "$big" "$TMP/cron/dbbig"*
			fi
			if [ ! -s "$big" ]; then
				rm -f "$CACHE"/db-f*
				echo "bench: building the database of $BIGFAIL failures (cached in $CACHE)" >&2
				"$BIN/genfail" -n "$BIGFAIL" -A 100000 -6 "$V6PCT" -r "$rate" -t "$T0" \
				    > "$TMP/cron/big.log"
				echo $((T0 + BIGFAIL / rate + 60)) > "$big.now"
				if NREPS=1 measure bigdb "scan, building the database of $BIGFAIL failures" \
				    "$BIGFAIL" "$(wc -c < "$TMP/cron/big.log")" "$MAILBAN" scan \
				    -c "$(scan_conf)" --db "$big.tmp" \
				    --now "$(cat "$big.now")" "$TMP/cron/big.log"; then
					note "database of $BIGFAIL failures: $(scan_summary)"
					mv "$big.tmp" "$big"
				fi
				rm -f "$TMP/cron/big.log" "$big.tmp"*
				[ -s "$big" ] && cp "$big" "$TMP/cron/dbbig"
			fi
			[ -s "$TMP/cron/dbbig" ] && cp "$big.now" "$TMP/cron/dbbig.now"
		fi
	fi
	if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null && command -v iptables-save > /dev/null; then
		echo "bench: cron runs (unshare -n)" >&2
		BENCH_IN_NETNS=1 BENCH_TMP=$TMP unshare -n sh "$0" "$BUILD" ||
		    note "cron runs: unshare -n failed"
	fi
fi

# ---- 4. hostile lines ----
# hostile_log COUNT SIZE: COUNT sendmail lines (one kind after another)
# whose client-written part is SIZE bytes; COUNT 0: ten 60 KB arg1 values.
hostile_log() {
	awk -v count="$1" -v size="$2" 'function rep(u, n,   s) {
		s = ""; while (length(s) < n) s = s u; return substr(s, 1, n) }
	BEGIN {
		R = ", relay=[192.0.2.5], reject="
		if (count == 0) {
			for (i = 0; i < 10; i++)
				printf "Nov 26 10:00:%02d mx sm-mta[1234]: sAQD0101%06d: ruleset=check_rcpt, arg1=<%s>%s550 5.7.1 <x@example.com>... User unknown\n", i, i, rep("<a@", 60000), R
			exit
		}
		h = size / 2
		k[0] = "ruleset=check_rcpt, arg1=<" rep("a@", h) ">" R "550 5.7.1 <" rep("a@", h) ">... Relaying denied. Proper authentication required."
		k[1] = "ruleset=check_rcpt, arg1=<" rep("a@<", size) R "550 5.7.1 <x@y>... Relaying denied."
		k[2] = "ruleset=check_rcpt, arg1=<" rep("<a@", size) ">" R "550 5.7.1 <x@y>... User unknown"
		k[3] = "ruleset=check_rcpt, arg1=<" rep("a@", h) ">" R "450 4.4.0 <" rep("a@", h) ">... Relaying temporarily denied. Cannot resolve PTR record for 192.0.2.5"
		k[4] = "ruleset=check_mail, arg1=<a@b>" R "553 5.1.8 <a@b>... Domain of sender address " rep("a@< ", size) "does not exist"
		k[5] = "ruleset=check_relay, arg1=" rep("a@<, arg2=", size) ", arg2=192.0.2.5" R "421 4.3.2 Connection rate limit exceeded."
		k[6] = "from=<" rep("a@<", size) ">, size=0, class=0, nrcpts=0, bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=[192.0.2.5]"
		k[7] = "from=<a@example.org>, size=1, class=0, nrcpts=1, msgid=<" rep("a@<, relay=[198.51.100.9] ", size) ">, proto=SMTP, daemon=MTA, relay=[192.0.2.5] (may be forged)"
		k[8] = "rejecting commands from " rep("a [", size) " [192.0.2.5] due to pre-greeting traffic after 1 seconds"
		k[9] = rep("a [198.51.100.9] ", size) "[192.0.2.5] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA"
		k[10] = "[192.0.2.5]: EXPN " rep(" [rejected] a<@", size) " [rejected]"
		k[11] = "AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: checkpass failed, user=" rep(", relay=[198.51.100.9 ", size) ", relay=[192.0.2.5] x"
		k[12] = "<" rep("a@<", size) ">... No such user here"
		for (i = 0; i < count; i++)
			printf "Nov 26 10:%02d:%02d mx sm-mta[1234]: sAQD0101%06d: %s\n", int(i / 60) % 60, i % 60, i, k[i % 13]
	}'
}

if ! skipped hostile; then
	hc=$TMP/hostile.conf
	sed -e "s|^logpath[ 	]*=.*|logpath   = $TMP/none.log|" \
	    -e "s|^database[ 	]*=.*|database  = $TMP/none.db|" \
	    -e "s|^mode[ 	]*=[ 	]*extra|mode    = aggressive|" conf/mailban.conf > "$hc"
	hostile_log 0 0 > "$TMP/hostile-60k.log"
	hostile_log 300 8192 > "$TMP/hostile-8k.log"
	SDB=$TMP/hostile.db
	: > "$TMP/hostile-0.log"	# the fixed cost of a scan, taken off per line
	PREP=scan_prep measure hostile0 "scan, empty log (the fixed cost)" 0 0 \
	    "$MAILBAN" scan -c "$hc" --db "$SDB" --now $((T0 + 86400)) "$TMP/hostile-0.log"
	for h in 60k 8k; do
		f=$TMP/hostile-$h.log
		echo "bench: hostile lines ($h)" >&2
		PREP=scan_prep measure "hostile$h" "scan, hostile lines: $(wc -l < "$f") x $h" \
		    "$(wc -l < "$f")" "$(wc -c < "$f")" "$MAILBAN" scan -c "$hc" --db "$SDB" \
		    --now $((T0 + 86400)) "$f" &&
		    note "hostile lines $h: cpu $(tail -n 1 "$ROWS" | cut -d'|' -f7) ms (median of $REPS); $(scan_summary)"
	done
	scan_prep
fi

# ---- 5. backends (root, unshare -n) ----
if ! skipped backends; then
	if [ "$(id -u)" != 0 ] || ! command -v unshare > /dev/null ||
	    ! command -v iptables-save > /dev/null || ! command -v ipset > /dev/null ||
	    ! command -v nft > /dev/null; then
		note "backends not measured: they need root, unshare, iptables, ipset and nft"
	else
		mkdir -p "$TMP/bk" || exit 1
		: > "$TMP/bk/empty.log"
		# bbans NAME N: a database of N bans (bursts of 5, 1000 failures a
		# second, all in force at its .now).
		bbans() {
			"$BIN/genfail" -n $(($2 * 5)) -A "$2" -b 5 -6 "$V6PCT" -r 1000 \
			    -t "$T0" > "$TMP/bk/$1.log"
			echo $((T0 + $2 * 5 / 1000 + 60)) > "$TMP/bk/$1.now"
			"$MAILBAN" scan -c "$(scan_conf)" --db "$TMP/bk/$1" \
			    --now "$(cat "$TMP/bk/$1.now")" "$TMP/bk/$1.log" > "$TMP/out" 2>&1 ||
			    note "database for $2 bans: scan failed: $(head -n 3 "$TMP/out" | tr '\n' ' ')"
			rm -f "$TMP/bk/$1.log"
		}
		echo "bench: databases of $BBANS and $NBANS bans" >&2
		bbans dbbig "$BBANS"
		bbans db10k "$NBANS"
		echo "bench: backends (unshare -n)" >&2
		BENCH_IN_NETNS=1 BENCH_PART=backends BENCH_TMP=$TMP unshare -n sh "$0" "$BUILD" ||
		    note "backends: unshare -n failed"
	fi
fi

# ---- report ----
ENDED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
REV=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src 2>/dev/null || echo "+changes")
{
echo "machine: $(nproc) CPU, $CPU, Linux $(uname -r); $(awk '/MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo)"
echo "run: $STARTED .. $ENDED, mailban ${REV:-?}; load average $LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
echo "median of $REPS runs ($CREPS for cron runs), warm page cache; logs: genlog -s $SEED -a $ABUSE -A $ATTACKERS -f $FMT"
} > "$TMP/head"

# The table, then the targets.  Rows: key|label|lines|wall|min|max|cpu|rss|bytes
awk -F'|' -v nbans="$NBANS" -v incr="$INCR" -v big="$BIGFAIL" -v wl="$WLINES" -v bursts="$BBANS5" '
function num(x) { return x == "" || x == "n/a" ? -1 : x + 0 }
function rate(n, ms) { return ms > 0 ? n / (ms / 1000) : 0 }
function hum(x) { return x >= 1e6 ? sprintf("%.2f M", x / 1e6) : x >= 1e3 ? sprintf("%.1f k", x / 1e3) : sprintf("%.0f", x) }
function msf(x) { return x < 0 ? "n/a" : x >= 10000 ? sprintf("%.1f s", x / 1000) : sprintf("%.1f ms", x) }
function verdict(ok) { return ok ? "met" : "NOT met" }
{
	key[NR] = $1; label[NR] = $2; lines[NR] = $3; wall[NR] = num($4); lo[NR] = num($5)
	hi[NR] = num($6); cpu[NR] = num($7); rss[NR] = num($8); bytes[NR] = $9; idx[$1] = NR
}
END {
	printf "| %-46s | %10s | %10s | %17s | %9s | %11s | %8s | %10s |\n", "what", "lines", "wall (median)", "min .. max", "cpu", "lines/s", "MB/s", "peak RSS"
	printf "|%s|%s:|%s:|%s:|%s:|%s:|%s:|%s:|\n", "------------------------------------------------", "------------", "------------", "-------------------", "-----------", "-------------", "----------", "------------"
	for (i = 1; i <= NR; i++) {
		if (wall[i] < 0) {
			printf "| %-46s | %10s | %10s | %17s | %9s | %11s | %8s | %10s |\n", label[i], lines[i], "n/a", "", "", "", "", ""
			continue
		}
		r = lines[i] > 1 && key[i] !~ /^(noop|apply|incr|save)/ ? hum(rate(lines[i], wall[i])) : ""
		mb = bytes[i] > 0 ? sprintf("%.0f", bytes[i] / 1e6 / (wall[i] / 1000)) : ""
		printf "| %-46s | %10s | %10s | %17s | %9s | %11s | %8s | %10s |\n", label[i], (lines[i] > 0 ? lines[i] : ""), msf(wall[i]), msf(lo[i]) " .. " msf(hi[i]), msf(cpu[i]), r, mb, (rss[i] >= 0 ? sprintf("%.1f MB", rss[i] / 1024) : "")
	}
	# targets
	print ""
	printf "| %-62s | %-40s | %-7s |\n", "target", "measured", "verdict"
	printf "|%s|%s|%s|\n", "----------------------------------------------------------------", "------------------------------------------", "---------"
	big10 = 0
	for (i = 1; i <= NR; i++) if (key[i] ~ /^scan[0-9]+$/ && lines[i] + 0 > big10) big10 = lines[i] + 0
	s = idx["scan" big10]; g = idx["grep" big10]; f = idx["f2b-sendmail-reject"]
	if (s && wall[s] > 0) {
		lps = rate(big10, wall[s])
		printf "| %-62s | %-40s | %-7s |\n", "scan throughput >= 5 M lines/s (" big10 " lines)", hum(lps) " lines/s", verdict(lps >= 5e6)
		if (f && wall[f] > 0) {
			x = (wall[f] / lines[f]) / (wall[s] / big10)
			printf "| %-62s | %-40s | %-7s |\n", ">= 100x fail2ban-regex sendmail-reject per line", sprintf("%.0fx", x), verdict(x >= 100)
		}
		if (g && wall[g] > 0) {
			x = wall[s] / wall[g]
			printf "| %-62s | %-40s | %-7s |\n", "within 4x of grep -cF on the same file", sprintf("%.1fx grep", x), verdict(x <= 4)
		}
		printf "| %-62s | %-40s | %-7s |\n", "peak RSS <= 20 MB (" big10 " lines)", sprintf("%.1f MB", rss[s] / 1024), verdict(rss[s] <= 20 * 1024)
	}
	if ((i = idx["noop100"]) && wall[i] > 0)
		printf "| %-62s | %-40s | %-7s |\n", "no-op cron run <= 15 ms, 100 bans", msf(wall[i]), verdict(wall[i] <= 15)
	if ((i = idx["noop10k"]) && wall[i] > 0)
		printf "| %-62s | %-40s | %-7s |\n", "no-op cron run <= 100 ms, " nbans " bans, iptables-save incl.", msf(wall[i]) " (saves alone " msf(wall[idx["save10k"]]) ")", verdict(wall[i] <= 100)
	if ((i = idx["apply10k"]) && wall[i] > 0)
		printf "| %-62s | %-40s | %-7s |\n", "applying " nbans " new bans <= 1 s (both chains)", msf(wall[i]), verdict(wall[i] <= 1000)
	if ((i = idx["incrbig"]) && wall[i] > 0) {
		fw = idx["savebig"] ? wall[idx["savebig"]] : 0
		printf "| %-62s | %-40s | %-7s |\n", incr " new lines, " big " failures: <= 20 ms + firewall", msf(wall[i]) " = " msf(wall[i] - fw) " + saves " msf(fw), verdict(wall[i] - fw <= 20)
	}
	a1 = idx["win1-" wl]; a4 = idx["win1-" int(wl / 4)]; b1 = idx["winN-" wl]; b4 = idx["winN-" int(wl / 4)]
	if (a1 && b1 && wall[a1] > 0 && wall[b1] > 0) {
		m = sprintf("1 attacker %s, %s attackers %s", msf(wall[a1]), hum(wl), msf(wall[b1]))
		if (a4 && b4 && wall[a4] > 0 && wall[b4] > 0)
			m = m sprintf("; x4 lines: x%.1f, x%.1f", wall[a1] / wall[a4], wall[b1] / wall[b4])
		ok = !(a4 && b4) || (wall[a1] / wall[a4] < 8 && wall[b1] / wall[b4] < 8)
		printf "| %-62s | %-40s | %-7s |\n", "window not quadratic: 1 x " hum(wl) " vs " hum(wl) " x 1 (x4 lines: 4 linear, 16 quadratic)", m, ok ? "met" : "NOT met"
	}

	# The speed targets: figure, limit, ratio = figure / limit; cpu is
	# user + system of the command and its children, as in the table.
	print ""
	printf "| %-50s | %-44s | %-14s | %6s | %-7s |\n", "speed target", "measured", "limit", "ratio", "verdict"
	printf "|%s|%s|%s|%s:|%s|\n", "----------------------------------------------------", "----------------------------------------------", "----------------", "-------", "---------"
	if (s && g && cpu[s] > 0 && cpu[g] > 0) {
		x = cpu[s] / cpu[g]
		t16("scan cpu vs grep -cF, same file (" hum(big10) " lines)", sprintf("%.2fx (%s vs %s)", x, msf(cpu[s]), msf(cpu[g])), "<= 2x", x / 2, x <= 2)
		mbs = bytes[s] / 1e6 / (wall[s] / 1000)
		t16("stretch: scan wall throughput", sprintf("%.0f MB/s", mbs), ">= 1000 MB/s", mbs / 1000, mbs >= 1000)
	}
	if (s && rss[s] > 0)
		t16("peak RSS, scan of " hum(big10) " lines" (big10 < 1e7 ? " (target at 10 M)" : ""), sprintf("%.1f MB", rss[s] / 1024), "<= 32 MB", rss[s] / 1024 / 32, rss[s] <= 32 * 1024)
	# A cron run is one process after another: its cost is its cpu (wall
	# only adds the waits for other work on a shared machine).
	if ((i = idx["burst"]) && cpu[i] > 0)
		t16("run: " lines[i] " failure lines, " bursts " new bans", "cpu " msf(cpu[i]) " (wall " msf(wall[i]) ")", "<= 250 ms", cpu[i] / 250, cpu[i] <= 250)
	for (k = 1; k <= 2; k++) {
		b = k == 1 ? "ipset" : "nft"
		if ((i = idx["noop-" b]) && cpu[i] > 0)
			t16("no-op run, " nbans " bans, backend " b, "cpu " msf(cpu[i]) " (wall " msf(wall[i]) ")", "<= 50 ms", cpu[i] / 50, cpu[i] <= 50)
	}
	if ((i = idx["noop-chain"]) && cpu[i] > 0)
		printf "| %-50s | %-44s | %-14s | %6s | %-7s |\n", "no-op run, " nbans " bans, backend chain", "cpu " msf(cpu[i]) " (wall " msf(wall[i]) ")", "none (*-save)", "", "-"
	for (k = 1; k <= 2; k++) {
		h = k == 1 ? "hostile60k" : "hostile8k"
		if ((i = idx[h]) && cpu[i] > 0 && lines[i] > 0) {
			z = (j = idx["hostile0"]) && cpu[j] > 0 ? cpu[j] : 0
			x = (cpu[i] > z ? cpu[i] - z : 0) / lines[i]
			t16("hostile lines (" lines[i] " x " substr(h, 8) "): cpu per line", sprintf("%.3f ms (mean, less %s fixed)", x, msf(z)), "<= 1 ms", x, x <= 1)
		}
	}
}
function t16(what, m, lim, r, ok) {
	printf "| %-50s | %-44s | %-14s | %6.2f | %-7s |\n", what, m, lim, r, ok ? "met" : "missed"
}' "$ROWS" > "$TMP/table"

{
	cat "$TMP/head"
	echo
	cat "$TMP/table"
	if [ -s "$TMP/stages.out" ]; then
		echo
		echo "stages of one scan of the largest log (tests/bench/stages.c; each stage's own cost):"
		sed 's/^/    /' "$TMP/stages.out"
	fi
	echo
	echo "notes:"
	sed 's/^/  - /' "$NOTES"
} > "$TMP/report"
cat "$TMP/report"

if [ "$RESULTS" != "-" ]; then
	{
		echo "# mailban benchmark results"
		echo
		echo "Written by \`make bench\` (tests/bench/bench.sh); every figure below"
		echo "comes from that one run.  Wall times are medians; \"cpu\" is user +"
		echo "system time of the command and its children; the scan rows use a"
		echo "fresh database and no firewall; the cron rows ran as root inside"
		echo "\`unshare -n\` with the real iptables/ip6tables (nf_tables here)."
		echo "The speed targets judge a cron run by its cpu (it is one process"
		echo "after another; wall only adds waiting on a shared machine); the"
		echo "ratio is the figure over its limit."
		echo
		sed -n '1,3p' "$TMP/head" | sed 's/^/- /'
		echo
		cat "$TMP/table"
		if [ -s "$TMP/stages.out" ]; then
			echo
			echo "Stages of one scan of the largest log (tests/bench/stages.c, each"
			echo "stage's own cost, best of 3 for the first three):"
			echo
			sed 's/^/    /' "$TMP/stages.out"
		fi
		echo
		echo "Notes:"
		echo
		sed 's/^/- /' "$NOTES"
	} > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS" &&
	    echo "bench: wrote $RESULTS" >&2
fi
if ! skipped fleet; then
	echo
	sh tests/bench/fleet.sh "$BUILD" 2> /dev/null || true
fi
exit 0
