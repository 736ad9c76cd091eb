/*
 * test_problem.c -- quiet, not silent: a problem is said when it starts,
 * when its text changes, at most once a day while it lasts, and once when
 * it clears; the state is the meta row "problem.KIND" of a real (in
 * memory) database.  What is said is captured from stderr, whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "problem.h"
#include "store.h"

#define T0	1795687200	/* 2026-11-26T10:00:00Z */

static char	said[4096];

/* What fn said on stderr. */
static const char *
capture(void (*fn)(struct store *, const char *, int64_t, int), struct store *st,
    const char *text, int64_t now, int always)
{
	FILE	*tmp = tmpfile();
	int	 saved = dup(2);
	size_t	 n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	fn(st, text, now, always);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(said, 1, sizeof(said) - 1, tmp);
	said[n] = '\0';
	fclose(tmp);
	return said;
}

static void
say_fw(struct store *st, const char *text, int64_t now, int always)
{
	problem_say(st, PROBLEM_FIREWALL, "firewall", text, now, always);
}

static char *
meta(struct store *st)
{
	char	*v = NULL;

	assert_int_equal(store_meta_get(st, "problem.firewall", &v), 1);
	return v;
}

static void
test_lifecycle(void **state)
{
	struct store	*st = NULL;
	char		*v, *text = NULL;
	int64_t		 since = 0;

	(void)state;
	assert_int_equal(store_open(":memory:", STORE_CREATE, &st), 0);
	assert_string_equal(capture(say_fw, st, "", T0, 0), "");	/* nothing, none */
	assert_string_equal(capture(say_fw, st, "a\nb", T0, 0), "mailban: a\nmailban: b\n");
	assert_string_equal(v = meta(st), "1795687200 1795687200 a\nb");
	free(v);
	assert_string_equal(capture(say_fw, st, "a\nb", T0 + 60, 0), "");
	assert_string_equal(capture(say_fw, st, "a\nb", T0 + PROBLEM_DAY - 1, 0), "");
	assert_string_equal(capture(say_fw, st, "a\nb", T0 + PROBLEM_DAY, 0),
	    "mailban: a\nmailban: b\n");
	assert_string_equal(v = meta(st), "1795687200 1795773600 a\nb");
	free(v);
	/* An older --now (a replay): said, since it cannot be "within the day". */
	assert_string_equal(capture(say_fw, st, "a\nb", T0 - 1, 0), "mailban: a\nmailban: b\n");
	/* Another text: said at once, a new since. */
	assert_string_equal(capture(say_fw, st, "c", T0 + 10, 0), "mailban: c\n");
	assert_int_equal(problem_get(st, PROBLEM_FIREWALL, &since, &text), 1);
	assert_int_equal(since, T0 + 10);
	assert_string_equal(text, "c");
	free(text);
	/* always (dry run, -v): said, and the state is left as it was. */
	assert_string_equal(capture(say_fw, st, "c", T0 + 11, 1), "mailban: c\n");
	assert_string_equal(capture(say_fw, st, "", T0 + 12, 1), "");
	assert_string_equal(v = meta(st), "1795687210 1795687210 c");
	free(v);
	/* Cleared: one line, once. */
	assert_string_equal(capture(say_fw, st, "", T0 + 20, 0), "mailban: firewall: resolved\n");
	assert_string_equal(capture(say_fw, st, NULL, T0 + 30, 0), "");
	assert_int_equal(problem_get(st, PROBLEM_FIREWALL, &since, &text), 0);
	assert_null(text);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
