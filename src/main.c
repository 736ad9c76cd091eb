/*
 * main.c -- mailban: ban SMTP abusers seen in sendmail's mail.log.
 * A one-shot program: `mailban run` from cron every minute reads the new
 * lines of mail.log, records failures in SQLite and makes the fail2ban-mail
 * chains (iptables and ip6tables) hold exactly the active bans.  Other
 * subcommands inspect the state, test filters and check the configuration.
 * Only this file turns failures into exit codes.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"

#ifndef MAILBAN_VERSION
#define MAILBAN_VERSION	"0.1"
#endif

static const char usage_text[] =
"usage: mailban COMMAND [options]\n"
"\n"
"commands:\n"
"  run     [-c FILE] [--now TIME] [--dry-run] [-v]\n"
"          one cron cycle: read new log lines, record failures, ban, and\n"
"          reconcile the iptables/ip6tables chains\n"
"  status  [-c FILE] [--now TIME]\n"
"          active bans, reader positions and the last run\n"
"  test    [-c FILE] [--filter NAME[:MODE]] [--regex RE] [--now TIME]\n"
"          [--format text|tsv] [--print matched|missed|ignored] LOGFILE|-\n"
"          try the filters on a log; no database, no firewall\n"
"  scan    [-c FILE] --db FILE [--since TIME] [--until TIME] [--apply]\n"
"          [--format text|tsv|json] [--now TIME] LOG...|-\n"
"          forensic run over whole (old, .gz) logs into a database of its own\n"
"  report  [NAME] [-c FILE] [--db FILE]\n"
"          list the SQL reports, or run one (as sqlite3 -header -column would)\n"
"  ban     ADDR [-c FILE] [--for DURATION] [--reason TEXT] [--force]\n"
"          ban now (refused for ignoreip addresses unless --force)\n"
"  unban   ADDR|--all [-c FILE]\n"
"          lift now; the failures that led to the ban are consumed\n"
"  check   [-c FILE]   exit 0 when the chains hold exactly the active bans\n"
"  stop    [-c FILE] [--now TIME]\n"
"          pause: remove the jumps and the chains until start (runs go on\n"
"          recording failures and bans, and apply nothing)\n"
"  start   [-c FILE] [--now TIME]   end the pause and apply the bans at once\n"
"  config  [-c FILE] [--check]\n"
"          print the effective configuration, or only check it\n"
"\n"
"options:\n"
"  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
"  --now TIME          reference time: epoch seconds or 2026-11-26T10:00:00Z\n"
"  -h, --help          this text;   -V, --version   the version\n"
"\n"
"exit status: 0 ok (also: another run holds the lock), 1 runtime failure\n"
"(firewall or database), 64 usage error, 78 configuration error\n";

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "run", cmd_run },
	{ "status", cmd_status },
	{ "test", cmd_test },
	{ "scan", cmd_scan },
	{ "config", cmd_config },
	{ "ban", cmd_ban },
	{ "unban", cmd_unban },
	{ "check", cmd_check },
	{ "report", cmd_report },
	{ "stop", cmd_stop },
	{ "start", cmd_start },
};

int
main(int argc, char **argv)
{
	size_t	i;

	umask(077);
	tzset();
	if (argc < 2)
		return cmd_usage(NULL, "missing command");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		puts("mailban " MAILBAN_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	return cmd_usage(NULL, "unknown command \"%s\"", argv[1]);
}
