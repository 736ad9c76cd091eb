/*
 * syslog.h -- split a mail.log line into time, host, daemon, pid, message.
 * Parsed by hand (no regex).  Three time formats:
 *   BSD     "Nov  6 09:01:02"   local time (TZ), no year: inferred
 *   RFC3339 "2026-11-06T09:01:02.123456+01:00"  (rsyslog on Debian 12)
 *   ISO     "2026-11-06 09:01:02"  local time
 * then " HOST TAG[PID]: MESSAGE" (the [PID] is optional).
 * Year inference for BSD: y = the latest year that does not put the line
 * more than one day (86400 s) after sc_ref.  Then, while reading one stream
 * forward, years never go back: y = max(y, last year seen), and a month jump
 * backwards of more than 6 months (Dec 31 -> Jan 1) moves to last year + 1.
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
};

void	 syslog_init(struct syslog_ctx *, int64_t ref);
/* 0 and *out, or -1: not a syslog line, or an impossible date/time. */
int	 syslog_parse(struct syslog_ctx *, const char *line, size_t len, struct sysline *out);

#endif
