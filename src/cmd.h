/*
 * cmd.h -- what the subcommands share: exit codes, loading the config
 * and filters, the run lock, option helpers.  Only main() exits.
 */
#ifndef MAILBAN_CMD_H
#define MAILBAN_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "filter.h"

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
/* --now: epoch or RFC 3339; reports a usage error and returns -1. */
int	 cmd_now(const char *arg, int64_t *now);
/* The default: of a getopt_long loop whose optstring starts with ':':
 * one usage line for an unknown option or a missing argument. */
int	 cmd_badopt(const char *cmd, int c, int argc, char **argv);
/* Print a usage error naming the command, return EXIT_USAGE. */
int	 cmd_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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
