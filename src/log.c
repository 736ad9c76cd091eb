/*
 * log.c -- messages: one line each on stderr, optionally also to syslog.
 * The only mutable global of the program besides signal flags is the
 * verbosity (STYLE.md).  errno is preserved across every call.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "log.h"

int		log_verbose;
static int	log_to_syslog;

void
log_syslog(int on)
{
	if (on && !log_to_syslog)
		openlog("mailban", LOG_PID, LOG_DAEMON);
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
		syslog(pri, "%s", buf);
	errno = saved;
}

int
log_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	return -1;
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
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}
