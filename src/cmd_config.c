/*
 * cmd_config.c -- `mailban config [--check]`: validate the configuration
 * (every error, one line each, exit 78) and print the effective one, or
 * just "configuration OK".
 */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"

int
cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*cfgpath = DEFAULT_CONFIG;
	struct config		*cfg;
	struct filterset	*fs;
	int			 c, check = 0, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfgpath = optarg; break;
		case 'k': check = 1; break;
		case 'h':
			puts("usage: mailban config [-c FILE] [--check]");
			return EXIT_OK;
		default:
			return cmd_badopt("config", c, argc, argv);
		}
	}
	if (optind != argc)
		return cmd_usage("config", "unexpected argument \"%s\"", argv[optind]);
	if ((rc = cmd_load(cfgpath, &cfg, &fs)) != EXIT_OK)
		return rc;
	if (check)
		puts("configuration OK");
	else
		config_print(cfg, stdout);
	filter_free(fs);
	config_free(cfg);
	return EXIT_OK;
}
