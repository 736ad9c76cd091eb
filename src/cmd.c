/*
 * cmd.c -- what the subcommands share: usage errors, loading the config
 * and filters, the run lock, --now.  In the library (not a command
 * file), so that unit tests reach it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "source.h"
#include "store.h"
#include "util.h"

int
cmd_usage(const char *cmd, const char *fmt, ...)
{
	va_list	ap;
	char	buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mailban: %s%s%s (see mailban --help)\n",
	    cmd != NULL ? cmd : "", cmd != NULL ? ": " : "", buf);
	return EXIT_USAGE;
}

/*
 * getopt_long's '?' (unknown option) or ':' (missing argument: the
 * optstring starts with ':'), as one usage line; getopt itself says
 * nothing (opterr = 0).  The option is named as written.
 */
int
cmd_badopt(const char *cmd, int c, int argc, char **argv)
{
	const char	*arg = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
	char		 shortopt[3] = { '-', (char)optopt, '\0' };
	const char	*name;

	/* A long option as written (without "=VALUE"), else the short one. */
	if (arg != NULL && strncmp(arg, "--", 2) == 0 && (c == ':' || optopt == 0))
		name = arg;
	else if (optopt != 0)
		name = shortopt;
	else
		name = arg != NULL ? arg : "?";
	if (c == ':')
		return cmd_usage(cmd, "option \"%s\" needs an argument", name);
	return cmd_usage(cmd, "unknown option \"%.*s\"", (int)strcspn(name, "="), name);
}

int
cmd_load(const char *path, struct config **cfg, struct filterset **fs)
{
	char	why[512];

	*cfg = NULL;
	*fs = NULL;
	if (config_load(path, cfg) == -1)
		return EXIT_CONFIG;
	if (filter_compile(*cfg, fs) == -1) {
		config_free(*cfg);
		*cfg = NULL;
		return EXIT_CONFIG;
	}
	/* logpath = auto, by the wall clock (run settles it again at --now). */
	source_resolve(*cfg, (int64_t)time(NULL), why, sizeof(why));
	return EXIT_OK;
}

int
cmd_lock(const struct config *cfg, int *fd)
{
	struct stat	sb;
	char		path[4096];
	int		n;

	*fd = -1;
	n = snprintf(path, sizeof(path), "%s.lock", cfg->c_database);
	if (n < 0 || (size_t)n >= sizeof(path))
		return log_error("%s: database path too long", cfg->c_database);
	/* A lock others could create or hold would stop every run quietly. */
	if (store_dir_check(cfg->c_database) == -1)
		return -1;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (*fd == -1 && errno == ELOOP)
		return log_error("%s: is a symbolic link; refusing to follow it (fix: rm %s)",
		    path, path);
	if (*fd == -1)
		return log_error("cannot open lock %s: %s%s", path, strerror(errno),
		    errno == ENOENT ? " (create the directory; make install does)" : "");
	if (fstat(*fd, &sb) == -1) {
		n = errno;
		close(*fd);
		*fd = -1;
		return log_error("cannot stat lock %s: %s", path, strerror(n));
	}
	if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid()) {
		close(*fd);
		*fd = -1;
		if (!S_ISREG(sb.st_mode))
			return log_error("%s: not a regular file (fix: rm %s)", path, path);
		return log_error("%s: owned by uid %lu, not by %s: that user could hold "
		    "it and stop every run (fix: rm %s)", path, (unsigned long)sb.st_uid,
		    geteuid() == 0 ? "root" : "this user", path);
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) == -1) {
		int	saved = errno;

		close(*fd);
		*fd = -1;
		if (saved == EWOULDBLOCK)
			return 1;
		return log_error("cannot lock %s: %s", path, strerror(saved));
	}
	return 0;
}

int
cmd_lock_wait(const struct config *cfg, int *fd, int seconds)
{
	const struct timespec	 poll = { 0, 100 * 1000000L };
	int			 waited, r;

	for (waited = 0;; waited += 100) {
		if ((r = cmd_lock(cfg, fd)) != 1)
			return r;
		if (waited >= seconds * 1000)
			return log_error("another mailban run has held %s.lock for %d s; "
			    "nothing was changed (try again)", cfg->c_database, seconds);
		nanosleep(&poll, NULL);
	}
}

void
cmd_unlock(int fd)
{
	if (fd != -1)
		close(fd);	/* releases the flock */
}

int
cmd_open_store(const struct config *cfg, int seconds, int *lockfd, struct store **st)
{
	*st = NULL;
	if (cmd_lock_wait(cfg, lockfd, seconds) == -1 ||
	    store_open(cfg->c_database, STORE_CREATE, st) == -1)
		return -1;
	return 0;
}

void
cmd_close(struct store *st, int lockfd, struct config *cfg)
{
	store_close(st);
	cmd_unlock(lockfd);
	config_free(cfg);
}

int
cmd_now(const char *arg, int64_t *now)
{
	const char	*why;

	if ((why = parse_time(arg, now)) != NULL) {
		cmd_usage(NULL, "--now \"%s\": %s", arg, why);
		return -1;
	}
	return 0;
}

static const struct option shared_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "now", required_argument, NULL, 'N' },
	{ "help", no_argument, NULL, 'h' },
};

static int
cmdopts_build(struct cmdopts *o)
{
	size_t	n = 0, i;
	int	len;

	for (i = 0; i < sizeof(shared_opts) / sizeof(shared_opts[0]); i++)
		if (shared_opts[i].val != 'N' || (o->co_flags & CMDOPT_NOW))
			o->co_opts[n++] = shared_opts[i];
	for (i = 0; o->co_long != NULL && o->co_long[i].name != NULL; i++) {
		if (n == CMDOPT_MAX)
			return -1;
		o->co_opts[n++] = o->co_long[i];
	}
	memset(&o->co_opts[n], 0, sizeof(o->co_opts[n]));
	len = snprintf(o->co_optstring, sizeof(o->co_optstring), "%sc:h%s",
	    (o->co_flags & CMDOPT_LOUD) ? "" : ":",
	    o->co_short != NULL ? o->co_short : "");
	if (len < 0 || (size_t)len >= sizeof(o->co_optstring))
		return -1;
	o->co_config = DEFAULT_CONFIG;
	o->co_now = -1;
	o->co_rc = EXIT_OK;
	optind = 1;
	opterr = (o->co_flags & CMDOPT_LOUD) != 0;
	return 0;
}

int
cmd_getopt(struct cmdopts *o, int argc, char **argv)
{
	int	c;

	if (o->co_config == NULL && cmdopts_build(o) == -1)
		abort();	/* a command's own table is too long */
	for (;;) {
		switch ((c = getopt_long(argc, argv, o->co_optstring, o->co_opts, NULL))) {
		case -1:
			if ((o->co_flags & CMDOPT_NOARGS) && optind != argc) {
				o->co_rc = cmd_usage(o->co_cmd, "unexpected argument \"%s\"",
				    argv[optind]);
				return CMDOPT_EXIT;
			}
			return -1;
		case 'c':
			o->co_config = optarg;
			break;
		case 'N':
			if (!(o->co_flags & CMDOPT_NOW))
				return c;
			if (cmd_now(optarg, &o->co_now) == -1) {
				o->co_rc = EXIT_USAGE;
				return CMDOPT_EXIT;
			}
			break;
		case 'h':
			if (o->co_help == NULL)
				return c;
			fputs(o->co_help, stdout);
			o->co_rc = EXIT_OK;
			return CMDOPT_EXIT;
		case '?':
		case ':':
			if (o->co_flags & CMDOPT_LOUD)
				o->co_rc = cmd_usage(o->co_cmd, "unknown option");
			else
				o->co_rc = cmd_badopt(o->co_cmd, c, argc, argv);
			return CMDOPT_EXIT;
		default:
			return c;
		}
	}
}
