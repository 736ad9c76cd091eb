/*
 * ingest.c -- one line in, failures recorded (see ingest.h).
 * Order of decisions for a matched line: a whitelisted address is dropped
 * before anything is stored (whitelist wins); a correlated failure waits in
 * the pending table until its queue id's address is known.
 * What waits there expires by event time: a line sees only the rows of the
 * findtime before it (the window in which they could count), so where the
 * runs cut the log does not matter; ingest_expire() drops only rows that
 * no later line can see.
 * rsyslog's "message repeated N times: [ MESSAGE]" is N lines of MESSAGE.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "log.h"
#include "policy.h"
#include "util.h"

/*
 * How far back in time the next run's lines may be dated, behind the last
 * line of this run (a line held back half-written, a late remote syslog,
 * a clock step): rows they could still see are kept for that long.
 */
#define PENDING_SLACK	3600

void
ingest_init(struct ingest *in, const struct config *cfg, struct filterset *fs,
    struct store *st, int64_t ref)
{
	size_t	j, total = 0;

	memset(in, 0, sizeof(*in));
	in->in_cfg = cfg;
	in->in_fs = fs;
	in->in_st = st;
	syslog_init(&in->in_sc, ref);
	in->in_hitoff = xcalloc(cfg->c_njails + 1, sizeof(*in->in_hitoff));
	for (j = 0; j < cfg->c_njails; j++) {
		in->in_hitoff[j] = total;
		total += cfg->c_jails[j].j_nfail;
	}
	in->in_hitoff[cfg->c_njails] = total;
	in->in_hits = xcalloc(total + 1, sizeof(*in->in_hits));
}

void
ingest_free(struct ingest *in)
{
	if (in == NULL)
		return;
	if (in->in_stats.is_limited > 0)
		log_warnx("%s: [%s] %s hit the PCRE2 match limit on %" PRIu64 " line%s, "
		    "first on line %" PRIu64 ", and did not match them: rewrite the pattern "
		    "to be linear (possessive quantifiers, bounded classes)", in->in_limfile,
		    in->in_limjail, in->in_limkey, in->in_stats.is_limited,
		    in->in_stats.is_limited == 1 ? "" : "s", in->in_limline);
	free(in->in_limfile);
	in->in_limfile = NULL;
	free(in->in_hits);
	free(in->in_hitoff);
	in->in_hits = NULL;
	in->in_hitoff = NULL;
}

static int
record(struct ingest *in, const struct match *m, const struct addr *a, int64_t t)
{
	const struct jail	*j = &in->in_cfg->c_jails[m->m_jail];
	struct ingest_fail	 f;

	if (store_failure_add(in->in_st, j->j_name, a, t,
	    j->j_fail[m->m_pattern].p_key) == -1)
		return -1;
	in->in_stats.is_failures++;
	if (in->in_emit != NULL) {
		f.if_lineno = in->in_lineno;
		f.if_time = t;
		f.if_addr = a;
		f.if_jail = m->m_jail;
		f.if_pattern = m->m_pattern;
		in->in_emit(in->in_emitarg, &f);
	}
	return 0;
}

static int
whitelisted(struct ingest *in, const struct addr *a)
{
	if (in->in_nowl || !cidrlist_contains(&in->in_cfg->c_ignoreip, a))
		return 0;
	in->in_stats.is_whitelisted++;
	return 1;
}

/* One match of one jail.  Returns the outcome, or -1 on a store error. */
static int
one(struct ingest *in, const struct match *m, int64_t t)
{
	const struct jail	*j = &in->in_cfg->c_jails[m->m_jail];
	const char		*jail = j->j_name;
	char			 abuf[ADDR_STRLEN];
	struct addr		 a;
	int64_t			 n, since = t - j->j_findtime;
	int			 r;

	switch (m->m_kind) {
	case MATCH_FAIL:
		in->in_hits[in->in_hitoff[m->m_jail] + (size_t)m->m_pattern]++;
		if (whitelisted(in, &m->m_addr))
			return INGEST_IGNORED;
		return record(in, m, &m->m_addr, t) == -1 ? -1 : INGEST_MATCHED;
	case MATCH_NOHOST:
		in->in_hits[in->in_hitoff[m->m_jail] + (size_t)m->m_pattern]++;
		if ((r = store_pending_addr(in->in_st, jail, m->m_qid, since, abuf)) == -1)
			return -1;
		if (r == 1 && addr_parse(abuf, strlen(abuf), &a) == 0) {
			if (whitelisted(in, &a))
				return INGEST_IGNORED;
			return record(in, m, &a, t) == -1 ? -1 : INGEST_MATCHED;
		}
		if (store_pending_put(in->in_st, jail, m->m_qid, NULL, t) == -1)
			return -1;
		in->in_stats.is_waiting++;
		return INGEST_MISSED;
	case MATCH_NOFAIL:
		if (store_pending_take(in->in_st, jail, m->m_qid, since, &n) == -1 ||
		    store_pending_put(in->in_st, jail, m->m_qid,
		    addr_str(&m->m_addr, abuf, sizeof(abuf)), t) == -1)
			return -1;
		if (n == 0)
			return INGEST_MISSED;
		in->in_hits[in->in_hitoff[m->m_jail] + (size_t)m->m_pattern]++;
		in->in_stats.is_waiting -= in->in_stats.is_waiting >= (uint64_t)n ?
		    (uint64_t)n : in->in_stats.is_waiting;
		if (whitelisted(in, &m->m_addr))
			return INGEST_IGNORED;
		/*
		 * One failure per waiting line, dated and reported at this line,
		 * which completes them (as fail2ban's annotations expect), and
		 * counted for the pattern of this completing line.
		 */
		while (n-- > 0)
			if (record(in, m, &m->m_addr, t) == -1)
				return -1;
		return INGEST_MATCHED;
	case MATCH_IGNORED:
		in->in_stats.is_ignored++;
		return INGEST_IGNORED;
	case MATCH_BADADDR:
		in->in_stats.is_badaddr++;
		return INGEST_MISSED;
	}
	return INGEST_MISSED;
}

/*
 * rsyslog folds repeats of a message into "message repeated N times:
 * [ MESSAGE]": that is N lines of MESSAGE.  Returns N (at most
 * REPEAT_MAX: one such line cannot weigh more than a flood of ordinary
 * ones) and points *sl at MESSAGE; 1 and *sl unchanged for other lines.
 */
#define REPEAT_MAX	1000

static unsigned
repeated(struct sysline *sl)
{
	static const char	 pre[] = "message repeated ", mid[] = " times: [ ";
	const char		*p = sl->s_msg, *end = sl->s_msg + sl->s_msglen, *d;
	unsigned		 n = 0;

	if (sl->s_msglen < sizeof(pre) - 1 + 1 + sizeof(mid) - 1 + 1 ||
	    memcmp(p, pre, sizeof(pre) - 1) != 0)
		return 1;
	for (d = p += sizeof(pre) - 1; p < end && *p >= '0' && *p <= '9' && p - d < 9; p++)
		n = n * 10 + (unsigned)(*p - '0');
	if (p == d || n == 0 || (size_t)(end - p) < sizeof(mid) - 1 + 1 ||
	    memcmp(p, mid, sizeof(mid) - 1) != 0 || end[-1] != ']')
		return 1;
	p += sizeof(mid) - 1;
	sl->s_msg = p;
	sl->s_msglen = (size_t)(end - 1 - p);
	return n < REPEAT_MAX ? n : REPEAT_MAX;
}

int
ingest_sysline(struct ingest *in, const struct sysline *sl, const char *line, size_t len)
{
	const struct pattern	*lp;
	struct sysline		 inner = *sl;
	struct match		 m[16];
	size_t			 i, n, lj;
	unsigned		 rep, times;
	int			 r, outcome = INGEST_MISSED;

	times = repeated(&inner);
	in->in_stats.is_formats[sl->s_format]++;
	if (!in->in_timeok || sl->s_time > in->in_maxtime) {
		in->in_maxtime = sl->s_time;
		in->in_timeok = 1;
	}
	n = filter_line(in->in_fs, &inner, m, sizeof(m) / sizeof(m[0]));
	/* A pattern cut short by a PCRE2 limit: counted, reported once at the end. */
	if ((lp = filter_limited(in->in_fs, &lj)) != NULL &&
	    in->in_stats.is_limited++ == 0) {
		in->in_limfile = xstrdup(in->in_file != NULL ? in->in_file :
		    in->in_cfg->c_logpath);
		in->in_limline = in->in_lineno;
		in->in_limjail = in->in_cfg->c_jails[lj].j_name;
		in->in_limkey = lp->p_key;
	}
	for (rep = 0; rep < times; rep++)
		for (i = 0; i < n; i++) {
			if ((r = one(in, &m[i], sl->s_time)) == -1)
				return -1;
			if (r == INGEST_MATCHED ||
			    (r == INGEST_IGNORED && outcome == INGEST_MISSED))
				outcome = r;
		}
	if (in->in_each != NULL && line != NULL)
		in->in_each(in->in_emitarg, line, len, outcome);
	return 0;
}

int
ingest_line(void *arg, const char *file, const char *line, size_t len)
{
	struct ingest	*in = arg;
	struct sysline	 sl;
	int		 rc;

	in->in_lineno++;
	in->in_stats.is_lines++;
	/*
	 * A line dated more than a day after the reference time (RFC 3339 or
	 * ISO: BSD years are already bounded so) is not trusted: its ban would
	 * wait years to start, for an address that may be someone else's then.
	 */
	if (syslog_parse(&in->in_sc, line, len, &sl) == -1 ||
	    sl.s_time > in->in_sc.sc_ref + 86400) {
		in->in_stats.is_unparsed++;
		if (in->in_each != NULL)
			in->in_each(in->in_emitarg, line, len, INGEST_MISSED);
		return 0;
	}
	in->in_file = file;
	rc = ingest_sysline(in, &sl, line, len);
	in->in_file = NULL;
	return rc;
}

int
ingest_expire(struct ingest *in, int64_t now)
{
	int64_t	 upto, maxfind = 0;
	size_t	 j;

	/* The log has not moved on: nothing has aged (a quiet night, or a
	 * remote syslog that is late, must not lose what waits). */
	if (!in->in_timeok)
		return 0;
	/* A line dated ahead of the clock must not age the others. */
	upto = in->in_maxtime < now ? in->in_maxtime : now;
	for (j = 0; j < in->in_cfg->c_njails; j++)
		if (in->in_cfg->c_jails[j].j_findtime > maxfind)
			maxfind = in->in_cfg->c_jails[j].j_findtime;
	return store_pending_expire(in->in_st, upto - maxfind - PENDING_SLACK);
}
