/*
 * log.c -- messages: one line each on stderr, optionally also to syslog;
 * events (bans, unbans) to syslog only.
 * The only mutable globals of the program besides signal flags are the
 * verbosity (STYLE.md) and, here, where syslog output goes.  errno is
 * preserved across every call.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

int		log_verbose;
static int	log_to_syslog;
static int	log_opened;
static int	log_fac = LOG_DAEMON;
static int	log_held;
static char	log_err[1024];	/* the first error since log_mark() */
static char	log_kept[4096];	/* every error held since log_mark() */

/* Each message carries the facility itself, so a later change applies at
 * once without reopening. */
void
log_facility(int facility)
{
	log_fac = facility & LOG_FACMASK;
}

static void
log_open(void)
{
	if (!log_opened) {
		openlog("mailban", LOG_PID, log_fac);
		log_opened = 1;
	}
}

void
log_syslog(int on)
{
	if (on)
		log_open();
	log_to_syslog = on;
}

static void
vlog(int pri, const char *fmt, va_list ap)
{
	char	buf[2048];
	int	saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);	/* truncation is fine here */
	fprintf(stderr, "mailban: %s\n", buf);
	if (log_to_syslog)
		syslog(log_fac | pri, "%s", buf);
	errno = saved;
}

int
log_error(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	if (log_err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(log_err, sizeof(log_err), fmt, ap);	/* truncation is fine */
		va_end(ap);
	}
	if (log_held) {
		size_t	n = strlen(log_kept);

		if (n > 0 && n < sizeof(log_kept) - 1)
			log_kept[n++] = '\n';
		va_start(ap, fmt);
		vsnprintf(log_kept + n, sizeof(log_kept) - n, fmt, ap);	/* truncation is fine */
		va_end(ap);
		errno = saved;
		return -1;
	}
	errno = saved;
	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	return -1;
}

void
log_mark(void)
{
	log_err[0] = '\0';
	log_kept[0] = '\0';
}

const char *
log_held_text(void)
{
	return log_kept;
}

const char *
log_first(void)
{
	return log_err;
}

void
log_hold(int on)
{
	log_held = on;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_NOTICE, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_event(const char *fmt, ...)
{
	va_list	ap;
	char	buf[2048];
	int	saved = errno;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);	/* truncation is fine here */
	va_end(ap);
	log_open();
	syslog(log_fac | LOG_NOTICE, "%s", buf);
	errno = saved;
}
