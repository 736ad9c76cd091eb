/*
 * log.h -- the one place messages leave the program.
 * Every message is one line "mailban: ..." on stderr; with log_syslog(1)
 * it also goes to syslog, to the facility set by log_facility() (the
 * config's syslog_facility; LOG_DAEMON until then).  log_error() returns
 * -1 so that "return log_error(...)" reports and fails in one step.
 * Report once, where the context is known; callers pass the -1 up without
 * logging again.
 * log_event() is the audit trail (a ban, an unban, a stop): one line at
 * LOG_NOTICE to syslog only, whether or not log_syslog() is on, and never
 * to stdout or stderr, so that a clean cron run prints nothing.
 */
#ifndef MAILBAN_LOG_H
#define MAILBAN_LOG_H

extern int log_verbose;		/* 0 quiet (cron), 1 -v */

void	 log_facility(int facility);	/* LOG_DAEMON, LOG_LOCAL0, ... */
void	 log_syslog(int on);
int	 log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* "resolved" */
void	 log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* only with -v */
void	 log_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * What went wrong, for the runs table: log_mark() forgets the error kept
 * so far; log_first() is the text (without "mailban: ") of the first
 * log_error() since, "" if none.  With log_hold(1), log_error() keeps the
 * text but prints nothing, so that the caller can print it once with
 * what it knows (log_hold(0) prints again); log_held_text() is every
 * error held since log_mark(), one per line ("" if none).
 */
void		 log_mark(void);
const char	*log_first(void);
void		 log_hold(int on);
const char	*log_held_text(void);

#endif
