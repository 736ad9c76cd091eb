/*
 * test_bans.c -- bans.c: which bans in force the firewall holds
 * (bans_wanted: whitelist, manual bans, oldest first), and the
 * re-evaluation of a window through a real database in memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "bans.h"
#include "config.h"
#include "store.h"
#include "util.h"

#define T0	1762416000	/* 2025-11-06 08:00:00 UTC */

static void
row(struct banrow *b, const char *addr, const char *jail, int64_t start, int manual)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->b_addr, sizeof(b->b_addr), "%s", addr);
	b->b_jail = (char *)jail;
	b->b_start = start;
	b->b_end = start + 600;
	b->b_manual = manual;
}

static const char *
text(const struct addr *a, char *buf)
{
	return addr_str(a, buf, ADDR_STRLEN);
}

/*
 * Whitelist wins over every automatic ban, whatever its jail is called
 * (a jail may be named "manual"); only a manual ban (forced past
 * ignoreip by ban --force) passes.  Oldest first, then by address.
 */
static void
wanted_whitelist_spares_only_manual_bans(void **state)
{
	struct config	 cfg;
	struct banrow	 r[5];
	struct addr	*w;
	char		 buf[ADDR_STRLEN];
	size_t		 n = 99;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_null(cidrlist_add(&cfg.c_ignoreip, "192.0.2.0/24"));
	row(&r[0], "198.51.100.7", "sendmail-auth", T0 + 30, 0);
	row(&r[1], "192.0.2.9", "manual", T0 + 20, 0);	/* automatic, jail "manual" */
	row(&r[2], "192.0.2.8", "manual", T0 + 10, 1);	/* forced manual ban */
	row(&r[3], "192.0.2.7", "sendmail-auth", T0, 0);
	row(&r[4], "2001:db8::5", "sendmail-auth", T0 + 10, 0);
	w = bans_wanted(&cfg, r, 5, &n, NULL);
	assert_int_equal(n, 3);
	assert_string_equal(text(&w[0], buf), "192.0.2.8");
	assert_string_equal(text(&w[1], buf), "2001:db8::5");
	assert_string_equal(text(&w[2], buf), "198.51.100.7");
	/* rows are reordered, oldest first */
	assert_string_equal(r[0].b_addr, "192.0.2.7");
	assert_string_equal(r[4].b_addr, "198.51.100.7");
	free(w);
	cidrlist_free(&cfg.c_ignoreip);
}

/* bans_active() tells a manual ban by its column, not by its jail. */
static void
active_rows_know_manual_bans(void **state)
{
	struct store	*s;
	struct banrow	*b = NULL;
	size_t		 n = 0;
	int64_t		 one = 0;

	(void)state;
	assert_int_equal(store_open(":memory:", STORE_CREATE, &s), 0);
	assert_int_equal(store_ban_manual(s, "sendmail-auth", "192.0.2.7", T0, T0 + 60,
	    NULL, NULL), 0);
	assert_int_equal(store_ban_add(s, "manual", "192.0.2.8", T0, T0 + 60, &one, 0), 0);
	assert_int_equal(bans_active(s, T0, &b, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(b[0].b_addr, "192.0.2.7");
	assert_int_equal(b[0].b_manual, 1);
	assert_string_equal(b[1].b_addr, "192.0.2.8");
	assert_int_equal(b[1].b_manual, 0);
	store_banrows_free(b, n);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wanted_whitelist_spares_only_manual_bans),
		cmocka_unit_test(active_rows_know_manual_bans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
