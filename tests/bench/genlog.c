/*
 * genlog.c -- write a realistic, deterministic sendmail mail.log to stdout,
 * for mailban's benchmark and as raw material for test fixtures.
 *
 *   genlog [-v] [-s SEED] [-n LINES] [-a ABUSE_PERCENT] [-A ATTACKERS]
 *          [-f bsd|rfc3339|mixed] [-t START_EPOCH] [-r LINES_PER_SECOND]
 *          [-p PROBE_SECONDS]
 *
 * LINES_PER_SECOND may be a fraction (0.2: one line every 5 s).
 *
 * The same options give the same bytes: one splitmix64 stream seeded by -s
 * (never rand()), no clock, no locale, UTC only.  Line i is stamped
 * START + i/RATE seconds (microseconds jittered inside that slot), so time
 * never goes backwards.
 *
 * Normal traffic comes from a pool of interleaved sessions: inbound sm-mta
 * mail (STARTTLS, AUTH, milter, from=, opendkim, spamd, to= Sent/Deferred),
 * sm-msp-queue submissions, and other daemons sharing mail.log (dovecot,
 * postfix/smtpd), plus sendmail lines that look bad but are no failure.
 * Every PROBE_SECONDS (default 300, 0: none) a monitoring probe from
 * localhost [127.0.0.1] "did not issue MAIL/EXPN/VRFY/ETRN": a failure line
 * that the whitelist (127.0.0.0/8) must absorb.
 *
 * Abuse: each line is abuse with probability ABUSE_PERCENT.  Attackers act
 * in bursts, one failure family per burst (sendmail-reject normal, the
 * "did not issue" line of mode extra, or sendmail-auth).  About 60% of the
 * attackers are "heavy": bursts of 3-40 failures, most of which reach
 * maxretry=5 within findtime=10m.  The others are "light": they are never
 * given a 5th failure within 600 s of their 4th-last, whatever the family,
 * so no sliding-window policy may ban them.  -v prints, per jail, how many
 * addresses reach 5 failures within 600 s (fail2ban's rule: t5 - t1 < 600)
 * so a run of mailban over the output can be checked against it
 * ("lost input channel" lines count only in the extra+lost-input jail:
 * fail2ban 1.0.2 has no pattern for them, mailban's mode extra has).
 *
 * Attacker addresses are unique, documentation ranges only: IPv4 attackers
 * cycle through 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 (.1-.254,
 * 762 addresses); 3-4% of the attackers (always attacker #1, a heavy one)
 * are IPv6, 2001:db8:X:Y::Z, and once the 762 IPv4 addresses are used up
 * every further attacker is IPv6, so two attackers never share an address.
 *
 * Output is built in a 1 MiB buffer with hand-written formatting (no
 * printf, no malloc per line) and written with write(2).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OUTBUF		(1u << 20)
#define LINEMAX		2048		/* no line is longer (checked) */
#define NSESS		32		/* interleaved normal sessions */
#define MAXSTEPS	12
#define MAXSLOTS	64		/* concurrent attacker bursts */
#define MAXATTACKERS	1000000
#define V4POOL		(3 * 254)
#define FINDTIME	600
#define MAXRETRY	5
#define START_DEFAULT	1795651200LL	/* 2026-11-26T00:00:00Z */

enum tsfmt { F_BSD, F_RFC3339, F_MIXED };

/* Failure families: which fail2ban filter (mode) matches the line. */
enum family { FAM_REJECT, FAM_EXTRA, FAM_AUTH, FAM_LOST, NFAM };

/* Jails whose sliding window -v evaluates. */
enum jail { J_REJECT_NORMAL, J_REJECT_EXTRA, J_AUTH, J_REJECT_LOST, NJAIL };

enum abusetype {
	A_RELAY, A_UNKNOWN, A_NODOMAIN, A_RBL, A_RATE, A_PREGREET,
	A_EXPN, A_NOSUCH,				/* FAM_REJECT */
	A_NOISSUE,					/* FAM_EXTRA */
	A_AUTHATTACK, A_AUTHFAIL,			/* FAM_AUTH */
	A_LOST,						/* FAM_LOST */
	NABUSE
};

static const char *const abusename[NABUSE] = {
	"relaying-denied", "user-unknown", "sender-domain", "rbl-listed",
	"rate-limit", "pre-greeting", "expn-vrfy", "no-such-user",
	"did-not-issue", "auth-attack", "auth-failure", "lost-input"
};

static const enum family abusefam[NABUSE] = {
	FAM_REJECT, FAM_REJECT, FAM_REJECT, FAM_REJECT, FAM_REJECT,
	FAM_REJECT, FAM_REJECT, FAM_REJECT, FAM_EXTRA, FAM_AUTH, FAM_AUTH,
	FAM_LOST
};

enum linekind {
	L_STARTTLS, L_AUTH, L_MILTER, L_FROM, L_DKIM, L_SPAMD, L_TLSCLIENT,
	L_TO_LOCAL, L_TO_ESMTP, L_TO_DEFER, L_TO_BOUNCE, L_DSN,
	L_MSP_FROM, L_MSP_TO, L_DOVECOT, L_POSTFIX, L_NEARMISS
};

struct session {
	uint8_t	 steps[MAXSTEPS];
	uint8_t	 nsteps, step;
	uint32_t pid;
	char	 qid[24];
	uint8_t	 qidlen;
	char	 relay[96];		/* "host.example.org [198.51.100.7]" */
	uint8_t	 relaylen;
	char	 from[64];
	uint8_t	 fromlen;
	uint32_t size;
};

struct attacker {
	uint32_t ix;			/* index in its family's pool */
	uint8_t	 v6, heavy, used;
	uint8_t	 anyn, anyh;		/* ring: last 4 failures, any family */
	uint8_t	 jn[NJAIL], jh[NJAIL];	/* rings: last 5 failures per jail */
	uint8_t	 banned;		/* bit per jail */
	uint32_t any[MAXRETRY - 1];
	uint32_t jt[NJAIL][MAXRETRY];
};

struct slot {
	uint32_t atk;
	uint32_t left;			/* failures left in this burst */
	uint8_t	 type;			/* main abuse type of the burst */
};

struct gen {
	/* options */
	uint64_t seed;
	uint64_t nlines;
	uint32_t abuse_ppm;		/* abuse probability, parts per million */
	uint32_t nattackers;
	enum tsfmt fmt;
	int64_t	 start;
	double	 rate;			/* lines per second */
	uint64_t rate_milli;		/* the same, in lines per 1000 s */
	uint32_t probe;
	int	 verbose;

	uint64_t rng;
	char	*buf, *p, *end;

	/* time of the current line */
	int64_t	 cursec;		/* cached second, -1: none */
	char	 bsd[16];		/* "Nov 26 10:00:01" */
	char	 rfc[20];		/* "2026-11-26T10:00:01" */
	uint32_t usec;
	int	 mon, mday, hour, min;
	uint32_t qseq;

	struct session sess[NSESS];
	uint32_t nsess;			/* sessions in use: fewer at low rates */
	struct attacker *atk;
	struct slot slot[MAXSLOTS];
	uint32_t nslots;
	uint32_t v4off;

	/* statistics for -v */
	uint64_t nabuse_lines, nprobe, ntype[NABUSE];
	uint64_t nfail[NJAIL], nbanned[NJAIL], nbanevents[NJAIL], nedge;
	uint32_t nv4, nv6, nheavy;
};

static const char *const monthname[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};
static const char b60[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx";
static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
static const char *const v4net[3] = { "192.0.2.", "198.51.100.", "203.0.113." };

static const char *const localpart[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
	"ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor",
	"walter", "info", "sales", "support", "billing", "newsletter",
	"noreply", "postmaster", "admin", "webmaster", "jobs", "hr", "office"
};
static const char *const domain[] = {
	"example.com", "example.net", "example.org", "mail.example.net",
	"lists.example.org", "shop.example.com", "news.example.net",
	"corp.example.org"
};
static const char *const relayhost[] = {
	"mail.example.org", "mx1.example.net", "mx2.example.net",
	"smtp.example.org", "out.lists.example.org", "relay.example.com",
	"mta7.example.net", "bounce.shop.example.com", "smtp-out.example.net"
};
static const char *const badhost[] = {
	"dsl-pool.example.net", "host.example.org", "unknown.example.com",
	"static.example.net", "vps.example.org", "customer.example.com"
};

/* ---- random numbers: splitmix64 ---- */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rnd(struct gen *g)
{
	g->rng += 0x9e3779b97f4a7c15ULL;
	return mix64(g->rng);
}

/* Uniform enough in [0, n) for n < 2^32. */
static uint32_t
below(struct gen *g, uint32_t n)
{
	return (uint32_t)(((rnd(g) >> 32) * (uint64_t)n) >> 32);
}

static int
chance(struct gen *g, uint32_t percent)
{
	return below(g, 100) < percent;
}

#define PICK(g, a)	((a)[below((g), sizeof(a) / sizeof((a)[0]))])

/* ---- output ---- */

static void
flush_out(struct gen *g)
{
	const char *q = g->buf;
	size_t left = (size_t)(g->p - g->buf);

	while (left > 0) {
		ssize_t n = write(STDOUT_FILENO, q, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (errno != EPIPE)
				fprintf(stderr, "genlog: write: %s\n", strerror(errno));
			exit(1);
		}
		q += n;
		left -= (size_t)n;
	}
	g->p = g->buf;
}

static void
put(struct gen *g, const char *s)
{
	size_t n = strlen(s);

	memcpy(g->p, s, n);
	g->p += n;
}

#define PUTL(g, lit)	do { memcpy((g)->p, lit, sizeof(lit) - 1); \
				(g)->p += sizeof(lit) - 1; } while (0)

static void
putn(struct gen *g, const char *s, size_t n)
{
	memcpy(g->p, s, n);
	g->p += n;
}

static void
putc1(struct gen *g, char c)
{
	*g->p++ = c;
}

static void
putu(struct gen *g, uint64_t v)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (i > 0)
		*g->p++ = tmp[--i];
}

static void
put0(struct gen *g, uint32_t v, int width)	/* zero-padded decimal */
{
	char *q = g->p + width;

	g->p = q;
	while (width-- > 0) {
		*--q = (char)('0' + v % 10);
		v /= 10;
	}
}

static void
puthex(struct gen *g, uint32_t v)
{
	char tmp[8];
	int i = 0;

	do {
		tmp[i++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v > 0);
	while (i > 0)
		*g->p++ = tmp[--i];
}

static void
putrand(struct gen *g, const char *alpha, uint32_t nalpha, int n)
{
	while (n-- > 0)
		*g->p++ = alpha[below(g, nalpha)];
}

/* ---- time ---- */

static void
settime(struct gen *g, uint64_t line)
{
	uint64_t us = (uint64_t)((unsigned __int128)line * 1000000000ULL / g->rate_milli);
	uint64_t next = (uint64_t)((unsigned __int128)(line + 1) * 1000000000ULL / g->rate_milli);
	int64_t sec;
	struct tm tm;
	time_t t;
	char *save;

	if (next > us + 1)
		us += below(g, next - us > UINT32_MAX ? UINT32_MAX : (uint32_t)(next - us));
	sec = g->start + (int64_t)(us / 1000000);
	g->usec = (uint32_t)(us % 1000000);
	if (sec == g->cursec)
		return;
	g->cursec = sec;
	t = (time_t)sec;
	gmtime_r(&t, &tm);
	g->mon = tm.tm_mon;
	g->mday = tm.tm_mday;
	g->hour = tm.tm_hour;
	g->min = tm.tm_min;
	save = g->p;
	g->p = g->bsd;			/* "Nov 26 10:00:01" */
	putn(g, monthname[tm.tm_mon], 3);
	putc1(g, ' ');
	putc1(g, tm.tm_mday < 10 ? ' ' : (char)('0' + tm.tm_mday / 10));
	putc1(g, (char)('0' + tm.tm_mday % 10));
	putc1(g, ' ');
	put0(g, (uint32_t)tm.tm_hour, 2);
	putc1(g, ':');
	put0(g, (uint32_t)tm.tm_min, 2);
	putc1(g, ':');
	put0(g, (uint32_t)tm.tm_sec, 2);
	g->p = g->rfc;			/* "2026-11-26T10:00:01" (year <= 9999) */
	put0(g, (uint32_t)tm.tm_year + 1900, 4);
	putc1(g, '-');
	put0(g, (uint32_t)tm.tm_mon + 1, 2);
	putc1(g, '-');
	put0(g, (uint32_t)tm.tm_mday, 2);
	putc1(g, 'T');
	putn(g, g->bsd + 7, 8);
	g->p = save;
}

/* "Nov 26 10:00:01 mx sm-mta[12345]: " */
static void
header(struct gen *g, const char *daemon, uint32_t pid)
{
	int rfc = g->fmt == F_RFC3339 || (g->fmt == F_MIXED && chance(g, 50));

	if (rfc) {
		putn(g, g->rfc, 19);
		putc1(g, '.');
		put0(g, g->usec, 6);
		PUTL(g, "+00:00");
	} else
		putn(g, g->bsd, 15);
	PUTL(g, " mx ");
	put(g, daemon);
	if (pid != 0) {
		putc1(g, '[');
		putu(g, pid);
		putc1(g, ']');
	}
	PUTL(g, ": ");
}

static uint32_t
newpid(struct gen *g)
{
	uint32_t r = below(g, 100);

	if (r < 85)
		return 1000 + below(g, 99000);
	if (r < 97)
		return 100000 + below(g, 900000);
	return 1000000 + below(g, 3000000);	/* pid_max 4194304 */
}

/*
 * A sendmail queue id: date and time in base 60, a sequence, then the pid
 * zero-padded to 6 digits: "s1P819mk027713" (14 chars; more with 7-digit
 * pids).  A few are longer (16-20), as some builds and patches write them.
 */
static uint8_t
mkqid(struct gen *g, uint32_t pid, char *out)
{
	char *save = g->p;
	uint8_t n;

	g->p = out;
	putc1(g, b60[(g->cursec / 31557600) % 60]);
	putc1(g, b60[g->mon]);
	putc1(g, b60[g->mday]);
	putc1(g, b60[g->hour]);
	put0(g, (uint32_t)g->min, 2);
	putc1(g, b60[g->qseq / 60 % 60]);
	putc1(g, b60[g->qseq % 60]);
	g->qseq++;
	if (chance(g, 3))	/* 16-20 chars in all */
		putrand(g, b60, 60, 2 + (int)below(g, pid >= 1000000 ? 4 : 5));
	put0(g, pid, pid >= 1000000 ? 7 : 6);
	n = (uint8_t)(g->p - out);
	g->p = save;
	return n;
}

static void
putqid(struct gen *g, const char *qid, uint8_t n)
{
	putn(g, qid, n);
	PUTL(g, ": ");
}

static void
putmail(struct gen *g)			/* alice42@example.net */
{
	put(g, PICK(g, localpart));
	if (chance(g, 30))
		putu(g, below(g, 100));
	putc1(g, '@');
	put(g, PICK(g, domain));
}

static void
putv4(struct gen *g)
{
	put(g, v4net[below(g, 3)]);
	putu(g, 1 + below(g, 254));
}

/* A normal peer: "mail.example.org [198.51.100.7]" or "[IPv6:2001:db8::5]". */
static void
putpeer(struct gen *g)
{
	if (chance(g, 80)) {
		put(g, PICK(g, relayhost));
		putc1(g, ' ');
	}
	putc1(g, '[');
	if (chance(g, 10)) {
		PUTL(g, "IPv6:2001:db8::");
		puthex(g, 1 + below(g, 0xfffe));
	} else
		putv4(g);
	putc1(g, ']');
}

static void
putmsgid(struct gen *g)
{
	putc1(g, '<');
	putn(g, g->rfc, 4);
	putn(g, g->rfc + 5, 2);
	putn(g, g->rfc + 8, 2);
	putn(g, g->rfc + 11, 2);
	putn(g, g->rfc + 14, 2);
	putn(g, g->rfc + 17, 2);
	putc1(g, '.');
	putrand(g, b36, 36, 10);
	putc1(g, '@');
	put(g, PICK(g, domain));
	putc1(g, '>');
}

static void
putdelay(struct gen *g, uint32_t s)
{
	put0(g, s / 3600, 2);
	putc1(g, ':');
	put0(g, s / 60 % 60, 2);
	putc1(g, ':');
	put0(g, s % 60, 2);
}

/* ---- normal sessions ---- */

static void
sess_new(struct gen *g, struct session *s)
{
	uint32_t r = below(g, 100), nrcpt, i;
	char *save = g->p;

	s->nsteps = s->step = 0;
	s->pid = newpid(g);
	s->qidlen = mkqid(g, s->pid, s->qid);
	s->size = 300 + below(g, 60000);
	g->p = s->relay;
	putpeer(g);
	s->relaylen = (uint8_t)(g->p - s->relay);
	g->p = s->from;
	putmail(g);
	s->fromlen = (uint8_t)(g->p - s->from);
	g->p = save;

	if (r < 70) {			/* inbound mail through sm-mta */
		if (chance(g, 70))
			s->steps[s->nsteps++] = L_STARTTLS;
		if (chance(g, 15))
			s->steps[s->nsteps++] = L_AUTH;
		if (chance(g, 40))
			s->steps[s->nsteps++] = L_MILTER;
		s->steps[s->nsteps++] = L_FROM;
		if (chance(g, 50))
			s->steps[s->nsteps++] = L_DKIM;
		if (chance(g, 40))
			s->steps[s->nsteps++] = L_SPAMD;
		nrcpt = chance(g, 85) ? 1 : 2 + below(g, 3);
		for (i = 0; i < nrcpt; i++) {
			r = below(g, 100);
			if (r < 62)
				s->steps[s->nsteps++] = L_TO_LOCAL;
			else if (r < 88) {
				if (chance(g, 50))
					s->steps[s->nsteps++] = L_TLSCLIENT;
				s->steps[s->nsteps++] = L_TO_ESMTP;
			} else if (r < 97)
				s->steps[s->nsteps++] = L_TO_DEFER;
			else {
				s->steps[s->nsteps++] = L_TO_BOUNCE;
				s->steps[s->nsteps++] = L_DSN;
				break;
			}
		}
	} else if (r < 78) {
		s->steps[s->nsteps++] = L_MSP_FROM;
		s->steps[s->nsteps++] = L_MSP_TO;
	} else if (r < 90)
		s->steps[s->nsteps++] = L_DOVECOT;
	else if (r < 95)
		s->steps[s->nsteps++] = L_POSTFIX;
	else
		s->steps[s->nsteps++] = L_NEARMISS;
}

static void
line_normal(struct gen *g)
{
	struct session *s = &g->sess[below(g, g->nsess)];
	uint32_t d;

	if (s->step >= s->nsteps)
		sess_new(g, s);
	switch (s->steps[s->step++]) {
	case L_STARTTLS:
		header(g, "sm-mta", s->pid);
		putqid(g, s->qid, s->qidlen);
		PUTL(g, "STARTTLS=server, relay=");
		putn(g, s->relay, s->relaylen);
		if (chance(g, 85))
			PUTL(g, ", version=TLSv1.3, verify=NO, cipher=TLS_AES_256_GCM_SHA384, bits=256/256");
		else
			PUTL(g, ", version=TLSv1.2, verify=NO, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256/256");
		break;
	case L_AUTH:
		header(g, "sm-mta", s->pid);
		putqid(g, s->qid, s->qidlen);
		PUTL(g, "AUTH=server, relay=");
		putn(g, s->relay, s->relaylen);
		PUTL(g, ", authid=");
		putn(g, s->from, s->fromlen);
		PUTL(g, ", mech=PLAIN, bits=0");
		break;
	case L_MILTER:
		header(g, "sm-mta", s->pid);
		putqid(g, s->qid, s->qidlen);
		if (chance(g, 50))
			PUTL(g, "Milter insert (1): header: Authentication-Results: mx.example.com; dkim=pass (2048-bit key) header.d=example.org");
		else
			PUTL(g, "Milter add: header: X-Spam-Status: No, score=-1.2 required=5.0 tests=ALL_TRUSTED,DKIM_SIGNED");
		break;
	case L_FROM:
		header(g, "sm-mta", s->pid);
		putqid(g, s->qid, s->qidlen);
		PUTL(g, "from=<");
		putn(g, s->from, s->fromlen);
		PUTL(g, ">, size=");
		putu(g, s->size);
		PUTL(g, ", class=0, nrcpts=1, msgid=");
		putmsgid(g);
		PUTL(g, ", bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=");
		putn(g, s->relay, s->relaylen);
		break;
	case L_DKIM:
		header(g, "opendkim", 800 + s->pid % 97);
		putqid(g, s->qid, s->qidlen);
		if (chance(g, 70))
			PUTL(g, "DKIM verification successful");
		else {
			putn(g, s->relay, s->relaylen);
			PUTL(g, " not internal");
		}
		break;
	case L_SPAMD:
		header(g, "spamd", 2000 + s->pid % 50);
		PUTL(g, "spamd: clean message (-");
		putu(g, below(g, 5));
		putc1(g, '.');
		putu(g, below(g, 10));
		PUTL(g, "/5.0) for debian-spamd:112 in 0.");
		putu(g, 1 + below(g, 9));
		PUTL(g, " seconds, ");
		putu(g, s->size);
		PUTL(g, " bytes.");
		break;
	case L_TLSCLIENT:
		header(g, "sm-mta", s->pid + 1);
		putqid(g, s->qid, s->qidlen);
		PUTL(g, "STARTTLS=client, relay=");
		put(g, PICK(g, relayhost));
		PUTL(g, "., version=TLSv1.3, verify=OK, cipher=TLS_AES_256_GCM_SHA384, bits=256/256");
		break;
	case L_TO_LOCAL:
		header(g, "sm-mta", s->pid + 1);
		putqid(g, s->qid, s->qidlen);
		PUTL(g, "to=<");
		put(g, PICK(g, localpart));
		PUTL(g, "@example.com>, delay=");
		putdelay(g, below(g, 3));
		PUTL(g, ", xdelay=00:00:00, mailer=local, pri=");
		putu(g, 30000 + s->size);
		PUTL(g, ", dsn=2.0.0, stat=Sent");
		break;
	case L_TO_ESMTP:
		header(g, "sm-mta", s->pid + 1);
		putqid(g, s->qid, s->qidlen);
		PUTL(g, "to=<");
		putmail(g);
		PUTL(g, ">, delay=");
		putdelay(g, below(g, 5));
		PUTL(g, ", xdelay=");
		putdelay(g, below(g, 3));
		PUTL(g, ", mailer=esmtp, pri=");
		putu(g, 120000 + s->size);
		PUTL(g, ", relay=");
		putpeer(g);
		PUTL(g, ", dsn=2.0.0, stat=Sent (Ok: queued as ");
		putrand(g, b60, 60, 13);
		putc1(g, ')');
		break;
	case L_TO_DEFER:
		header(g, "sm-mta", s->pid + 1);
		putqid(g, s->qid, s->qidlen);
		PUTL(g, "to=<");
		putmail(g);
		PUTL(g, ">, delay=");
		d = below(g, 20000);
		putdelay(g, d);
		PUTL(g, ", xdelay=");
		putdelay(g, d % 60);
		PUTL(g, ", mailer=esmtp, pri=");
		putu(g, 210000 + s->size);
		PUTL(g, ", relay=");
		put(g, PICK(g, relayhost));
		if (chance(g, 50))
			PUTL(g, "., dsn=4.0.0, stat=Deferred: Connection timed out with mx.example.org.");
		else
			PUTL(g, "., dsn=4.7.1, stat=Deferred: 451 4.7.1 Greylisted, please try again later");
		break;
	case L_TO_BOUNCE:		/* outbound "User unknown": not a failure */
		header(g, "sm-mta", s->pid + 1);
		putqid(g, s->qid, s->qidlen);
		PUTL(g, "to=<nobody");
		putu(g, below(g, 1000));
		PUTL(g, "@example.net>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=");
		putu(g, 120000 + s->size);
		PUTL(g, ", relay=mx1.example.net. [198.51.100.20], dsn=5.1.1, stat=User unknown");
		break;
	case L_DSN:
		header(g, "sm-mta", s->pid + 1);
		putqid(g, s->qid, s->qidlen);
		putn(g, s->qid, s->qidlen);
		PUTL(g, "X: DSN: User unknown");
		break;
	case L_MSP_FROM:
		header(g, "sm-msp-queue", s->pid);
		putqid(g, s->qid, s->qidlen);
		PUTL(g, "from=root, size=");
		putu(g, s->size % 4000);
		PUTL(g, ", class=0, nrcpts=1, msgid=<");
		putn(g, s->qid, s->qidlen);
		PUTL(g, "@mx.example.com>, relay=root@localhost");
		break;
	case L_MSP_TO:
		header(g, "sm-msp-queue", s->pid);
		putqid(g, s->qid, s->qidlen);
		PUTL(g, "to=root, ctladdr=root (0/0), delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=");
		putu(g, 30000 + s->size % 4000);
		PUTL(g, ", relay=[127.0.0.1] [127.0.0.1], dsn=2.0.0, stat=Sent (");
		putn(g, s->qid, s->qidlen);
		PUTL(g, " Message accepted for delivery)");
		break;
	case L_DOVECOT:
		header(g, "dovecot", 0);
		if (chance(g, 60)) {
			PUTL(g, "imap-login: Login: user=<");
			put(g, PICK(g, localpart));
			PUTL(g, ">, method=PLAIN, rip=");
			putv4(g);
			PUTL(g, ", lip=192.0.2.1, mpid=");
			putu(g, s->pid);
			PUTL(g, ", TLS, session=<");
			putrand(g, b60, 60, 16);
			putc1(g, '>');
		} else {
			PUTL(g, "imap(");
			put(g, PICK(g, localpart));
			PUTL(g, ")<");
			putu(g, s->pid);
			PUTL(g, ">: Logged out in=");
			putu(g, below(g, 5000));
			PUTL(g, " out=");
			putu(g, below(g, 900000));
		}
		break;
	case L_POSTFIX:
		header(g, "postfix/smtpd", s->pid);
		if (chance(g, 50))
			PUTL(g, "connect from unknown[");
		else
			PUTL(g, "disconnect from unknown[");
		putv4(g);
		PUTL(g, "] ehlo=1 quit=1 commands=2");
		break;
	case L_NEARMISS:		/* bad-looking, but no failure */
		header(g, "sm-mta", s->pid);
		putqid(g, s->qid, s->qidlen);
		if (chance(g, 50)) {	/* a temporary failure of ours */
			PUTL(g, "ruleset=check_rcpt, arg1=<");
			put(g, PICK(g, localpart));
			PUTL(g, "@example.com>, relay=");
			putn(g, s->relay, s->relaylen);
			PUTL(g, ", reject=452 4.4.5 Insufficient disk space; try again later");
		} else {
			PUTL(g, "timeout waiting for input from ");
			putn(g, s->relay, s->relaylen);
			PUTL(g, " during server cmd read");
		}
		break;
	}
}

/* ---- attackers ---- */

static void
attackers_init(struct gen *g)
{
	uint32_t i;
	uint64_t h;
	struct attacker *a;

	g->atk = calloc(g->nattackers, sizeof(*g->atk));
	if (g->atk == NULL) {
		fprintf(stderr, "genlog: out of memory for %u attackers\n",
		    g->nattackers);
		exit(1);
	}
	g->v4off = (uint32_t)(mix64(g->seed ^ 0x5eed) % 254);
	for (i = 0; i < g->nattackers; i++) {
		a = &g->atk[i];
		h = mix64(g->seed * 0x100000001b3ULL + i);
		a->heavy = i < 2 || h % 100 < 60;
		a->v6 = i == 1 || (h >> 20) % 100 < 4 || g->nv4 >= V4POOL;
		a->ix = a->v6 ? g->nv6++ : g->nv4++;
		g->nheavy += a->heavy;
	}
}

/* The address inside sendmail's brackets: "192.0.2.5" or "IPv6:2001:db8:1:2::5". */
static void
putatk(struct gen *g, const struct attacker *a)
{
	uint32_t k = a->ix;

	if (!a->v6) {
		put(g, v4net[k % 3]);
		putu(g, 1 + ((k / 3) * 97 + g->v4off) % 254);
		return;
	}
	PUTL(g, "IPv6:2001:db8:");
	puthex(g, 1 + k / 0xffff);
	putc1(g, ':');
	puthex(g, 1 + k % 0xffff);
	PUTL(g, "::");
	puthex(g, 1 + (uint32_t)(mix64(g->seed + k) % 0xfffe));
}

/* "[192.0.2.5]" with an optional host name before it. */
static void
putrelay(struct gen *g, const struct attacker *a, int named)
{
	if (named) {
		put(g, PICK(g, badhost));
		putc1(g, ' ');
	}
	putc1(g, '[');
	putatk(g, a);
	putc1(g, ']');
}

/* Reject reasons, weighted roughly as seen on a real MX. */
static const uint8_t rejecttype[] = {
	A_RELAY, A_RELAY, A_RELAY, A_UNKNOWN, A_UNKNOWN, A_NODOMAIN,
	A_RBL, A_RBL, A_RATE, A_PREGREET, A_EXPN, A_NOSUCH
};

static uint8_t
burst_type(struct gen *g)
{
	uint32_t r = below(g, 100);

	if (r < 55)
		return PICK(g, rejecttype);
	if (r < 75)
		return A_NOISSUE;
	return chance(g, 50) ? A_AUTHATTACK : A_AUTHFAIL;
}

static void
slot_new(struct gen *g, struct slot *sl)
{
	struct attacker *a;

	sl->atk = below(g, g->nattackers);
	a = &g->atk[sl->atk];
	sl->type = burst_type(g);
	sl->left = a->heavy ? 3 + below(g, 38) : 1 + below(g, 3);
}

/* Would one more failure now give a light attacker 5 within findtime? */
static int
light_blocked(const struct attacker *a, uint32_t t)
{
	return !a->heavy && a->anyn == MAXRETRY - 1 &&
	    t - a->any[a->anyh] <= FINDTIME;
}

/* Record one failure of attacker a at time t (seconds since -t). */
static void
record(struct gen *g, struct attacker *a, enum family fam, uint32_t t)
{
	int j, on;

	a->any[a->anyh] = t;
	a->anyh = (uint8_t)((a->anyh + 1) % (MAXRETRY - 1));
	if (a->anyn < MAXRETRY - 1)
		a->anyn++;
	for (j = 0; j < NJAIL; j++) {
		on = (j == J_REJECT_NORMAL && fam == FAM_REJECT) ||
		    (j == J_REJECT_EXTRA && (fam == FAM_REJECT || fam == FAM_EXTRA)) ||
		    (j == J_AUTH && fam == FAM_AUTH) ||
		    (j == J_REJECT_LOST && fam != FAM_AUTH);
		if (!on)
			continue;
		g->nfail[j]++;
		a->jt[j][a->jh[j]] = t;
		a->jh[j] = (uint8_t)((a->jh[j] + 1) % MAXRETRY);
		if (a->jn[j] < MAXRETRY)
			a->jn[j]++;
		if (a->jn[j] < MAXRETRY)
			continue;
		/* jt[j][jh] is now the oldest of the last five */
		if (t - a->jt[j][a->jh[j]] == FINDTIME)
			g->nedge++;
		if (t - a->jt[j][a->jh[j]] < FINDTIME) {
			if (!(a->banned & (1u << j)))
				g->nbanned[j]++;
			a->banned |= (uint8_t)(1u << j);
			g->nbanevents[j]++;
			a->jn[j] = 0;	/* a failure counts towards one ban */
		}
	}
}

/* Emit one failure line (two for A_NOSUCH); returns the line count. */
static int
line_abuse(struct gen *g, uint64_t room)
{
	struct slot *sl = &g->slot[below(g, g->nslots)];
	struct attacker *a;
	uint32_t t = (uint32_t)(g->cursec - g->start), pid, tries;
	uint8_t type;
	char qid[24];
	uint8_t qn;
	int named = chance(g, 55), forged = chance(g, 20), v4;
	const char *daemon;

	for (tries = 0;; tries++) {
		if (sl->left == 0)
			slot_new(g, sl);
		if (tries >= 16 && !g->atk[sl->atk].heavy)
			sl->atk = below(g, g->nattackers < 2 ? 1 : 2);
		if (!light_blocked(&g->atk[sl->atk], t))
			break;
		sl->left = 0;
	}
	a = &g->atk[sl->atk];
	sl->left--;
	a->used = 1;
	v4 = !a->v6;
	type = sl->type;
	if (chance(g, 3))
		type = A_LOST;
	else if (abusefam[type] == FAM_REJECT && chance(g, 25))
		type = PICK(g, rejecttype);	/* spammers mix reject reasons */
	if (type == A_NOSUCH && room < 2)
		type = A_UNKNOWN;
	g->ntype[type]++;

	pid = newpid(g);
	qn = mkqid(g, pid, qid);
	daemon = chance(g, 97) ? "sm-mta" : "sm-acceptingconnections";
	header(g, daemon, pid);
	switch (type) {
	case A_RELAY: case A_UNKNOWN: case A_NODOMAIN: case A_RBL:
		putqid(g, qid, qn);
		PUTL(g, "ruleset=check_rcpt, arg1=<");
		{
			char *m = g->p, *me;

			putmail(g);
			me = g->p;
			PUTL(g, ">, relay=");
			putrelay(g, a, named || (forged && v4));
			if (type == A_RELAY && v4 && forged)
				PUTL(g, " (may be forged)");
			PUTL(g, ", reject=");
			if (type == A_RELAY) {
				PUTL(g, "550 5.7.1 <");
				putn(g, m, (size_t)(me - m));
				PUTL(g, ">... Relaying denied. ");
				if (v4 && forged) {
					PUTL(g, "IP name possibly forged [");
					putatk(g, a);
					putc1(g, ']');
				} else if (v4 && chance(g, 20)) {
					PUTL(g, "IP name lookup failed [");
					putatk(g, a);
					putc1(g, ']');
				} else
					PUTL(g, "Proper authentication required.");
			} else if (type == A_UNKNOWN) {
				PUTL(g, "550 5.1.1 <");
				putn(g, m, (size_t)(me - m));
				PUTL(g, ">... User unknown");
			} else if (type == A_NODOMAIN) {
				PUTL(g, "553 5.1.8 <");
				putn(g, m, (size_t)(me - m));
				PUTL(g, ">... Domain of sender address ");
				put(g, PICK(g, localpart));
				PUTL(g, "@nx");
				putu(g, below(g, 100));
				PUTL(g, ".example.net does not exist");
			} else {
				PUTL(g, "550 5.7.1 <");
				putn(g, m, (size_t)(me - m));
				PUTL(g, ">... Rejected: ");
				putatk(g, a);
				if (chance(g, 50))
					PUTL(g, " listed at zen.dnsbl.example.org");
				else
					PUTL(g, " listed at bl.spamcop.example.net");
			}
		}
		break;
	case A_RATE:			/* no queue id yet at connect time */
		PUTL(g, "ruleset=check_relay, arg1=");
		if (named)
			put(g, PICK(g, badhost));
		else {
			putc1(g, '[');
			putatk(g, a);
			putc1(g, ']');
		}
		PUTL(g, ", arg2=");
		putatk(g, a);
		PUTL(g, ", relay=");
		putrelay(g, a, named);
		if (chance(g, 70))
			PUTL(g, ", reject=421 4.3.2 Connection rate limit exceeded.");
		else
			PUTL(g, ", reject=421 4.3.2 Too many open connections.");
		break;
	case A_PREGREET:
		putqid(g, qid, qn);
		PUTL(g, "rejecting commands from ");
		if (named)
			put(g, PICK(g, badhost));
		putc1(g, ' ');
		putc1(g, '[');
		putatk(g, a);
		PUTL(g, "] due to pre-greeting traffic after ");
		putu(g, below(g, 7));
		PUTL(g, " seconds");
		break;
	case A_EXPN:
		putqid(g, qid, qn);
		putrelay(g, a, named);
		switch (below(g, 4)) {
		case 0: PUTL(g, ": EXPN root [rejected]"); break;
		case 1: PUTL(g, ": VRFY root [rejected]"); break;
		case 2: PUTL(g, ": expn info [rejected]"); break;
		default: PUTL(g, ": vrfy postmaster [rejected]"); break;
		}
		break;
	case A_NOSUCH:
		/* "No such user here", then the envelope line with the
		 * address under the same pid and queue id: fail2ban joins
		 * them into one failure. */
		putqid(g, qid, qn);
		putc1(g, '<');
		put(g, PICK(g, localpart));
		putu(g, below(g, 1000));
		PUTL(g, "@example.com>... No such user here\n");
		header(g, daemon, pid);
		putqid(g, qid, qn);
		PUTL(g, "from=<");
		putmail(g);
		PUTL(g, ">, size=0, class=0, nrcpts=0, bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=");
		putrelay(g, a, 1);
		break;
	case A_NOISSUE:
		putqid(g, qid, qn);
		putrelay(g, a, named);
		if (forged)
			PUTL(g, " (may be forged)");
		switch (below(g, 4)) {
		case 0: case 1: PUTL(g, " did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA"); break;
		case 2: PUTL(g, " did not issue MAIL/EXPN/VRFY/ETRN during connection to MSA"); break;
		default: PUTL(g, " did not issue MAIL/EXPN/VRFY/ETRN during connection to TLSMTA"); break;
		}
		break;
	case A_AUTHATTACK:
		putqid(g, qid, qn);
		putrelay(g, a, named);
		if (forged)
			PUTL(g, " (may be forged)");
		PUTL(g, ": possible SMTP attack: command=AUTH, count=");
		putu(g, 5 + below(g, 3));
		break;
	case A_AUTHFAIL:
		putqid(g, qid, qn);
		if (chance(g, 70)) {
			PUTL(g, "AUTH failure (");
			put(g, chance(g, 60) ? "LOGIN" : "PLAIN");
			PUTL(g, "): authentication failure (-13) SASL(-13): authentication failure: checkpass failed, user=");
			put(g, PICK(g, localpart));
			if (chance(g, 50))
				PUTL(g, "@example.com");
		} else
			PUTL(g, "AUTH failure (DIGEST-MD5): user not found (-20) SASL(-13): user not found: unable to canonify user and get auxprops, user=scanner");
		PUTL(g, ", relay=");
		putrelay(g, a, named);
		if (forged)
			PUTL(g, " (may be forged)");
		break;
	case A_LOST:
		putqid(g, qid, qn);
		PUTL(g, "lost input channel from ");
		putrelay(g, a, named);
		PUTL(g, " to MTA after rcpt");
		break;
	}
	record(g, a, abusefam[type], t);
	return type == A_NOSUCH ? 2 : 1;
}

/* ---- options and main ---- */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: genlog [-v] [-s SEED] [-n LINES] [-a ABUSE_PERCENT] [-A ATTACKERS]\n"
	    "              [-f bsd|rfc3339|mixed] [-t START_EPOCH] [-r LINES_PER_SECOND]\n"
	    "              [-p PROBE_SECONDS]\n");
	exit(64);
}

static uint64_t
num(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *e;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &e, 10);
	if (*s == '-' || *s == '\0' || *e != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "genlog: %s: \"%s\" is not a number from %llu to %llu\n",
		    opt, s, (unsigned long long)min, (unsigned long long)max);
		exit(64);
	}
	return v;
}

static void
summary(const struct gen *g, uint64_t lines)
{
	uint32_t i, used = 0, lightused = 0, heavyused = 0;
	uint64_t nany = 0;
	int t;
	char b0[32], b1[32];
	time_t t0 = (time_t)g->start, t1 = (time_t)g->cursec;
	struct tm tm;

	for (i = 0; i < g->nattackers; i++) {
		used += g->atk[i].used;
		heavyused += g->atk[i].used && g->atk[i].heavy;
		lightused += g->atk[i].used && !g->atk[i].heavy;
		nany += (g->atk[i].banned &
		    ((1u << J_REJECT_EXTRA) | (1u << J_AUTH))) != 0;
	}
	strftime(b0, sizeof(b0), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t0, &tm));
	strftime(b1, sizeof(b1), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t1, &tm));
	fprintf(stderr, "genlog: seed %llu: %llu lines, %s .. %s (%g lines/s)\n",
	    (unsigned long long)g->seed, (unsigned long long)lines, b0, b1, g->rate);
	fprintf(stderr, "genlog: abuse lines %llu (%.2f%%):",
	    (unsigned long long)g->nabuse_lines,
	    lines ? 100.0 * (double)g->nabuse_lines / (double)lines : 0.0);
	for (t = 0; t < NABUSE; t++)
		fprintf(stderr, " %s %llu", abusename[t],
		    (unsigned long long)g->ntype[t]);
	fprintf(stderr, " (no-such-user is 2 lines, 1 failure)\n");
	fprintf(stderr, "genlog: localhost probes (did-not-issue from 127.0.0.1, whitelisted) %llu\n",
	    (unsigned long long)g->nprobe);
	fprintf(stderr, "genlog: attackers %u (%u IPv4, %u IPv6; %u heavy, %u light), "
	    "used %u (%u heavy, %u light)\n", g->nattackers, g->nv4, g->nv6,
	    g->nheavy, g->nattackers - g->nheavy, used, heavyused, lightused);
	fprintf(stderr, "genlog: failures: sendmail-reject normal %llu, extra %llu, "
	    "sendmail-auth %llu, lost-input (no fail2ban filter) %llu, "
	    "reject extra+lost-input %llu\n",
	    (unsigned long long)g->nfail[J_REJECT_NORMAL],
	    (unsigned long long)g->nfail[J_REJECT_EXTRA],
	    (unsigned long long)g->nfail[J_AUTH],
	    (unsigned long long)g->ntype[A_LOST],
	    (unsigned long long)g->nfail[J_REJECT_LOST]);
	fprintf(stderr, "genlog: addresses with %d failures within %ds (t5-t1 < %d), "
	    "per jail: reject(normal) %llu, reject(extra) %llu, auth %llu, "
	    "reject(extra+lost-input) %llu; "
	    "reject(extra) or auth %llu; ban events (each failure counted once, "
	    "no bantime) %llu/%llu/%llu; windows of exactly %ds %llu\n",
	    MAXRETRY, FINDTIME, FINDTIME,
	    (unsigned long long)g->nbanned[J_REJECT_NORMAL],
	    (unsigned long long)g->nbanned[J_REJECT_EXTRA],
	    (unsigned long long)g->nbanned[J_AUTH],
	    (unsigned long long)g->nbanned[J_REJECT_LOST],
	    (unsigned long long)nany,
	    (unsigned long long)g->nbanevents[J_REJECT_NORMAL],
	    (unsigned long long)g->nbanevents[J_REJECT_EXTRA],
	    (unsigned long long)g->nbanevents[J_AUTH],
	    FINDTIME, (unsigned long long)g->nedge);
}

int
main(int argc, char *argv[])
{
	struct gen *g;
	uint64_t i, nextprobe;
	double pct;
	char *e;
	int c, k;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return 1;
	g->seed = 1;
	g->nlines = 1000000;
	g->abuse_ppm = 50000;
	g->nattackers = 200;
	g->fmt = F_BSD;
	g->start = START_DEFAULT;
	g->rate = 50;
	g->probe = 300;
	while ((c = getopt(argc, argv, "s:n:a:A:f:t:r:p:v")) != -1) {
		switch (c) {
		case 's':
			g->seed = num("-s", optarg, 0, UINT64_MAX);
			break;
		case 'n':
			g->nlines = num("-n", optarg, 0, 1000000000000ULL);
			break;
		case 'a':
			errno = 0;
			pct = strtod(optarg, &e);
			if (*optarg == '\0' || *e != '\0' || errno != 0 ||
			    !(pct >= 0 && pct <= 100)) {
				fprintf(stderr, "genlog: -a: \"%s\" is not a percentage from 0 to 100\n", optarg);
				return 64;
			}
			g->abuse_ppm = (uint32_t)(pct * 10000 + 0.5);
			break;
		case 'A':
			g->nattackers = (uint32_t)num("-A", optarg, 1, MAXATTACKERS);
			break;
		case 'f':
			if (strcmp(optarg, "bsd") == 0)
				g->fmt = F_BSD;
			else if (strcmp(optarg, "rfc3339") == 0)
				g->fmt = F_RFC3339;
			else if (strcmp(optarg, "mixed") == 0)
				g->fmt = F_MIXED;
			else {
				fprintf(stderr, "genlog: -f: \"%s\" is not bsd, rfc3339 or mixed\n", optarg);
				return 64;
			}
			break;
		case 't':
			g->start = (int64_t)num("-t", optarg, 0, 253402300799ULL);
			break;
		case 'r':
			errno = 0;
			g->rate = strtod(optarg, &e);
			if (*optarg == '\0' || *e != '\0' || errno != 0 ||
			    !(g->rate >= 0.001 && g->rate <= 1000000)) {
				fprintf(stderr, "genlog: -r: \"%s\" is not a rate from 0.001 to 1000000 lines/s\n", optarg);
				return 64;
			}
			break;
		case 'p':
			g->probe = (uint32_t)num("-p", optarg, 0, 86400);
			break;
		case 'v':
			g->verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	g->rate_milli = (uint64_t)(g->rate * 1000 + 0.5);
	g->rng = g->seed;
	g->cursec = -1;
	if ((g->buf = malloc(OUTBUF)) == NULL)
		return 1;
	g->p = g->buf;
	g->end = g->buf + OUTBUF;
	attackers_init(g);
	{
		/* enough concurrent bursts that a heavy burst still reaches
		 * 5 failures in well under findtime at the abuse rate */
		double per_s = g->rate * g->abuse_ppm / 1e6;
		double want = per_s * 20;

		g->nslots = want < 1 ? 1 : want > MAXSLOTS ? MAXSLOTS : (uint32_t)want;
		if (g->nslots > g->nattackers)
			g->nslots = g->nattackers;
	}
	/* about 8 s of traffic in flight, as on a real MX */
	g->nsess = g->rate * 8 < 2 ? 2 : g->rate * 8 > NSESS ? NSESS : (uint32_t)(g->rate * 8);
	for (k = 0; k < NSESS; k++)
		g->sess[k].step = g->sess[k].nsteps = 0;
	nextprobe = g->probe;

	for (i = 0; i < g->nlines;) {
		char *linestart;

		if (g->end - g->p < 2 * LINEMAX)
			flush_out(g);
		linestart = g->p;
		settime(g, i);
		if (g->probe != 0 && (uint64_t)(g->cursec - g->start) >= nextprobe) {
			nextprobe += g->probe;
			header(g, "sm-mta", newpid(g));
			PUTL(g, "localhost [127.0.0.1] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA");
			g->nprobe++;
			i++;
		} else if (g->abuse_ppm != 0 && below(g, 1000000) < g->abuse_ppm) {
			k = line_abuse(g, g->nlines - i);
			g->nabuse_lines += (uint64_t)k;
			i += (uint64_t)k;
		} else {
			line_normal(g);
			i++;
		}
		*g->p++ = '\n';
		if (g->p - linestart > 2 * LINEMAX) {
			fprintf(stderr, "genlog: internal error: line too long\n");
			abort();
		}
	}
	flush_out(g);
	if (g->verbose)
		summary(g, g->nlines);
	free(g->atk);
	free(g->buf);
	free(g);
	return 0;
}
