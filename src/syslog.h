/*
 * syslog.h -- split a mail.log line into time, host, daemon, pid, message.
 * Parsed by hand (no regex).  Three time formats:
 *   BSD     "Nov  6 09:01:02"   local time (TZ), no year: inferred
 *   RFC3339 "2026-11-06T09:01:02.123456+01:00"  (rsyslog on Debian 12)
 *   ISO     "2026-11-06 09:01:02"  local time
 * then " HOST TAG[PID]: MESSAGE" (the [PID] is optional).  Solaris
 * syslogd's "[ID 801593 mail.notice] " after "TAG[PID]: " is header too:
 * the message starts after it.
 * Year inference for BSD: y = the latest year that does not put the line
 * more than one day (86400 s) after sc_ref.  Then, while reading one stream
 * forward, when y puts the line more than half a year away from the
 * previous line, the previous line's year or the one after it is taken if
 * it is closer and later than y: years stay monotonic in a chronological
 * log (Dec 31 -> Jan 1 moves to the next year), a log whose lines go back
 * in time (fail2ban's annotated samples) keeps the first rule, and a line
 * dated in the future (which the first rule puts a year back) does not
 * take the lines after it a year back with it.
 * No I/O; time zone comes from the process TZ (tzset by the caller).
 */
#ifndef MAILBAN_SYSLOG_H
#define MAILBAN_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

enum tsformat { TS_BSD = 0, TS_RFC3339 = 1, TS_ISO = 2, TS_NFORMATS };

struct sysline {
	int64_t		 s_time;	/* UTC epoch seconds */
	enum tsformat	 s_format;
	const char	*s_host;	/* pointers into the line; not NUL-terminated */
	size_t		 s_hostlen;
	const char	*s_daemon;	/* "sm-mta" */
	size_t		 s_daemonlen;
	long		 s_pid;		/* -1 when absent */
	const char	*s_msg;		/* after "TAG[PID]: " */
	size_t		 s_msglen;
};

/* Year-inference state for one stream of lines. */
struct syslog_ctx {
	int64_t	 sc_ref;	/* reference time (now, or a file's mtime) */
	int	 sc_lastyear;	/* 0 until the first BSD line */
	int	 sc_lastmon;	/* 1..12 */
	int64_t	 sc_last;	/* time of the last BSD line */
	/* Private to syslog.c (set by syslog_init): */
	int64_t	 sc_refseen;	/* sc_ref that sc_refyear belongs to */
	int	 sc_refyear;	/* local year of sc_ref */
	int	 sc_hvalid;	/* sc_hkey/sc_hoff hold a cached hour */
	int64_t	 sc_hkey;	/* local hour (naive seconds / 3600) */
	int64_t	 sc_hoff;	/* its UTC offset: utc = naive - sc_hoff */
	int	 sc_prevok;	/* sc_prev holds the time of the last line */
	int64_t	 sc_prev;	/* of any format, for the repeated hour */
	/*
	 * The minute of the last BSD line and of the last numeric line, as
	 * written ("Nov 26 09:01", "2026-11-26T09:01"): a line of the same
	 * minute needs only its seconds (syslog.c explains why that is exact).
	 */
	int	 sc_bsdsec;	/* offset of its seconds; 0: no minute kept */
	char	 sc_bsdkey[12];
	int64_t	 sc_bsdref;	/* sc_ref when it was filled */
	int64_t	 sc_bsdbase;	/* UTC of second 0 of that minute */
	int	 sc_numvalid;
	char	 sc_numkey[16];
	int64_t	 sc_numnaive;	/* naive seconds of second 0 */
	int64_t	 sc_numbase;	/* UTC of second 0 if local ("YYYY-MM-DD "), or
				 * INT64_MIN when that minute has a clock change */
};

/* Call again after any change of TZ: the context caches UTC offsets. */
void	 syslog_init(struct syslog_ctx *, int64_t ref);
/*
 * 0 and *out, or -1: not a syslog line, or an impossible date/time.
 * Never reads line[len] or beyond; NUL is an ordinary byte (a host or
 * tag containing one is refused, a message may contain one).
 * Local times convert as mktime(tm_isdst = -1) does, except the repeated
 * hour when clocks go back (mktime's choice there depends on its previous
 * call), which follows the order of the stream: its first occurrence
 * (summer time), unless that puts the line more than two minutes before
 * the previous line and the second occurrence does not (after 02:59 of
 * the first occurrence, or a line of the second, 02:30 is the second).
 * The first line of a stream goes by sc_ref the same way (a cron run
 * that starts at 02:31 of the second occurrence reads 02:30 as the
 * second), unless the second occurrence is after sc_ref.
 * A nonexistent local time (clocks go forward) uses the offset in force
 * before the change, as glibc's mktime: 02:30 -> 03:30 summer time.
 * A leap second (:60) counts as :59.
 */
int	 syslog_parse(struct syslog_ctx *, const char *line, size_t len, struct sysline *out);

#endif
