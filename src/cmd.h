/*
 * cmd.h -- what the subcommands share: exit codes, loading the config
 * and filters, the run lock, option helpers.  Only main() exits.
 */
#ifndef MAILBAN_CMD_H
#define MAILBAN_CMD_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "filter.h"

struct store;

#define EXIT_OK		0
#define EXIT_RUNTIME	1
#define EXIT_USAGE	64	/* EX_USAGE */
#define EXIT_CONFIG	78	/* EX_CONFIG */

#define DEFAULT_CONFIG	"/etc/mailban/mailban.conf"

/* Config + filters, or an exit code (EXIT_CONFIG) after the errors.
 * logpath = auto comes back resolved (source_resolve()). */
int	 cmd_load(const char *path, struct config **cfg, struct filterset **fs);
/*
 * Take the run lock (flock on DATABASE.lock).  0: held, *fd set;
 * 1: another run holds it; -1: error (reported).
 */
int	 cmd_lock(const struct config *, int *fd);
/* The same, but waiting up to `seconds` for another run: 0 held, -1 an
 * error or the wait timed out (reported).  For admin commands and scan. */
int	 cmd_lock_wait(const struct config *, int *fd, int seconds);
void	 cmd_unlock(int fd);
/*
 * The open step of a command that writes the live database: the run lock
 * (waiting up to `seconds`, as cmd_lock_wait) and the store, created if
 * absent.  0, or -1 after saying why; cmd_close() undoes what was done.
 */
int	 cmd_open_store(const struct config *, int seconds, int *lockfd,
	    struct store **st);
/* The end of a command: the store, the lock and the config, each if held. */
void	 cmd_close(struct store *st, int lockfd, struct config *cfg);
/* --now: epoch or RFC 3339; reports a usage error and returns -1. */
int	 cmd_now(const char *arg, int64_t *now);
/* The default: of a getopt_long loop whose optstring starts with ':':
 * one usage line for an unknown option or a missing argument. */
int	 cmd_badopt(const char *cmd, int c, int argc, char **argv);
/* Print a usage error naming the command, return EXIT_USAGE. */
int	 cmd_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The options every command shares (-c/--config FILE, -h/--help, and
 * --now TIME where CMDOPT_NOW says so), parsed in one place:
 *
 *	struct cmdopts o = { .co_cmd = "stop", .co_flags = CMDOPT_NOW |
 *	    CMDOPT_NOARGS, .co_help = "usage: mailban stop ...\n" };
 *	while ((c = cmd_getopt(&o, argc, argv)) != -1)
 *		switch (c) {
 *		case 'F': ... (one of co_long / co_short)
 *		default: return o.co_rc;
 *		}
 *
 * cmd_getopt() returns the command's own options one by one, -1 after
 * the last, or CMDOPT_EXIT when the command is to return co_rc: after
 * -h (EXIT_OK, co_help printed), a bad option or --now (EXIT_USAGE,
 * said).  With co_help NULL, -h comes back as 'h' for the command to
 * print.  The operands start at optind.
 */
#define CMDOPT_NOW	0x01	/* --now TIME: co_now */
#define CMDOPT_NOARGS	0x02	/* no operand: "unexpected argument" */
#define CMDOPT_LOUD	0x04	/* getopt reports bad options itself, then
				 * "unknown option" (scan's way) */
#define CMDOPT_EXIT	(-2)
#define CMDOPT_MAX	16	/* long options, the shared ones included */

struct cmdopts {
	const char		*co_cmd;	/* names the command in messages */
	int			 co_flags;	/* CMDOPT_* */
	const char		*co_help;	/* -h text, newline included */
	const char		*co_short;	/* the command's short options */
	const struct option	*co_long;	/* its long ones, NULL-ended */
	const char		*co_config;	/* -c: NULL until the first call,
						 * then DEFAULT_CONFIG or FILE */
	int64_t			 co_now;	/* --now, or -1 */
	int			 co_rc;		/* for CMDOPT_EXIT */
	/* Built on the first call. */
	struct option		 co_opts[CMDOPT_MAX + 1];
	char			 co_optstring[32];
};

int	 cmd_getopt(struct cmdopts *, int argc, char **argv);

int	 cmd_run(int, char **);
int	 cmd_status(int, char **);
int	 cmd_config(int, char **);
int	 cmd_test(int, char **);
int	 cmd_scan(int, char **);
int	 cmd_ban(int, char **);
int	 cmd_unban(int, char **);
int	 cmd_check(int, char **);
int	 cmd_stop(int, char **);
int	 cmd_start(int, char **);
int	 cmd_report(int, char **);

#endif
