/*
 * problem.c -- say a lasting problem once, not every minute (problem.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "problem.h"
#include "store.h"
#include "util.h"

/* "SINCE SAID TEXT" -> the parts; -1 if it is not that. */
static int
parse_state(const char *v, int64_t *since, int64_t *said, const char **text)
{
	char	*end;

	*since = strtoll(v, &end, 10);
	if (end == v || *end != ' ')
		return -1;
	v = end + 1;
	*said = strtoll(v, &end, 10);
	if (end == v || *end != ' ')
		return -1;
	*text = end + 1;
	return 0;
}

static void
say_lines(const char *text)
{
	const char	*p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		log_error("%.*s", nl == NULL ? (int)strlen(p) : (int)(nl - p), p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

int
problem_get(struct store *st, const char *kind, int64_t *since, char **text)
{
	char		 key[64], *v = NULL;
	const char	*t;
	int64_t		 said;
	int		 r;

	*text = NULL;
	snprintf(key, sizeof(key), "problem.%s", kind);
	if ((r = store_meta_get(st, key, &v)) != 1)
		return r;
	if (parse_state(v, since, &said, &t) == -1) {
		free(v);
		return 0;	/* "" once resolved */
	}
	*text = xstrdup(t);
	free(v);
	return 1;
}

void
problem_say(struct store *st, const char *kind, const char *label,
    const char *text, int64_t now, int always)
{
	char		 key[64], *v = NULL, *nv = NULL;
	const char	*old = NULL;
	int64_t		 since = now, said = 0;
	size_t		 len;
	int		 r, have = 0;

	if (text == NULL)
		text = "";
	if (always || st == NULL) {
		say_lines(text);
		return;
	}
	snprintf(key, sizeof(key), "problem.%s", kind);
	if ((r = store_meta_get(st, key, &v)) == -1) {
		say_lines(text);
		return;
	}
	if (r == 1 && parse_state(v, &since, &said, &old) == 0)
		have = 1;
	if (text[0] == '\0') {
		if (have) {
			log_notice("%s: resolved", label);
			store_meta_put(st, key, "");
		}
		goto out;
	}
	if (have && strcmp(old, text) == 0 && now >= said && now - said < PROBLEM_DAY)
		goto out;	/* said already, less than a day ago */
	if (!have || strcmp(old, text) != 0)
		since = now;
	say_lines(text);
	len = strlen(text) + 64;
	nv = xmalloc(len);
	snprintf(nv, len, "%" PRId64 " %" PRId64 " %s", since, now, text);
	store_meta_put(st, key, nv);	/* a failure is said by store.c */
out:
	free(v);
	free(nv);
}
