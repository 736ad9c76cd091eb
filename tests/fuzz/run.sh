#!/bin/sh
# run.sh [SECONDS] -- build the libFuzzer targets into build-fuzz/ and run
# each for SECONDS (default 60; `make fuzz FUZZTIME=N`).  Run from the
# repository root.  Needs clang with the fuzzer runtime (Debian: clang-14,
# libclang-rt-14-dev).
#   fuzz_line    syslog_parse + filter_line (shipped config) + addresses
#   fuzz_config  config_load / config_print / filter_compile / config_free
#   fuzz_gz      the reader's rotation path through a .gz sibling
# Seeds: tests/corpus/<target>/ (read only); new inputs go to
# build-fuzz/corpus-<target>/.  Prints executions and seconds per target;
# exit 1 on any finding, naming the input that reproduces it:
#   build-fuzz/fuzz_line build-fuzz/crash-line-...
# Such an input becomes a regression test (tests/unit or tests/t70-*).
set -u
SECS=${1:-60}
case $SECS in ''|*[!0-9]*) echo "run.sh: seconds, not \"$SECS\"" >&2; exit 64 ;; esac
[ -f conf/mailban.conf ] || { echo "run.sh: run from the repository root" >&2; exit 64; }
B=build-fuzz
CC=${FUZZ_CC:-}
if [ -z "$CC" ]; then
	for c in clang clang-14; do command -v $c > /dev/null && { CC=$c; break; }; done
fi
[ -n "$CC" ] || { echo "run.sh: clang not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }
mkdir -p $B/obj
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-g -O1 -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE -Wall -Wextra \
 -iquote $B -iquote src $(pkg-config --cflags libpcre2-8 sqlite3 libpq 2>/dev/null) -I/usr/include/iniparser"
LIBS="-lpcre2-8 -lsqlite3 -liniparser -lz -lnftables -ljansson"

# The modules (not main.c nor the commands), as the Makefile builds them.
sh scripts/embed.sh SCHEMA_SQL < sql/schema.sql > $B/schema.inc.tmp &&
    mv $B/schema.inc.tmp $B/schema.inc || exit 1
sh scripts/embed.sh FLEET_SQL < sql/fleet.sql > $B/fleet.inc.tmp &&
    mv $B/fleet.inc.tmp $B/fleet.inc || exit 1
rm -f $B/libmailban.a
for f in src/*.c; do
	m=$(basename "$f" .c)
	case $m in main|cmd_*) continue ;; esac
	$CC $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o $B/obj/$m.o "$f" || exit 1
done
ar rcs $B/libmailban.a $B/obj/*.o || exit 1
for t in line config gz; do
	$CC $CFLAGS -Werror $SAN -fsanitize=fuzzer -o $B/fuzz_$t tests/fuzz/fuzz_$t.c \
	    $B/libmailban.a $LIBS || exit 1
done

rc=0
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
for t in line config gz; do
	mkdir -p $B/corpus-$t
	dict=
	[ -f tests/fuzz/$t.dict ] && dict=-dict=tests/fuzz/$t.dict
	$B/fuzz_$t -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=16384 -close_fd_mask=3 -print_final_stats=1 \
	    -artifact_prefix=$B/crash-$t- $dict $B/corpus-$t tests/corpus/$t \
	    > $B/fuzz_$t.log 2>&1
	r=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' $B/fuzz_$t.log)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' $B/fuzz_$t.log)
	cov=$(grep -o 'cov: [0-9]*' $B/fuzz_$t.log | tail -1)
	if [ $r = 0 ]; then
		echo "fuzz_$t: ${runs:-?} executions in ${secs:-?} s, $cov, no finding"
	else
		rc=1
		echo "fuzz_$t: FINDING after ${runs:-?} executions (exit $r):"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' \
		    $B/fuzz_$t.log | head -8 | sed 's/^/    /'
		echo "    reproduce: $B/fuzz_$t $(ls -t $B/crash-$t-* 2>/dev/null | head -1)"
	fi
done
exit $rc
