/*
 * genfail.c -- write a mail.log of nothing but failures, for the parts of
 * mailban's benchmark that need many addresses or many failures.
 *
 *   genfail [-n LINES] [-A ATTACKERS] [-b BURST] [-6 PERCENT] [-t START]
 *           [-r LINES_PER_SECOND]
 *
 * Line i is a sendmail "did not issue" line (sendmail-reject, mode extra)
 * from attacker (i / BURST) % ATTACKERS, stamped START + i / RATE (BSD
 * format, UTC).  So -A 1 gives one attacker with LINES failures, -A LINES
 * one failure each, and -b 5 a burst that reaches maxretry=5 at once.
 * Attacker k is IPv6 (2001:db8::/32) when k % 100 < PERCENT, else IPv4
 * from the benchmarking range 198.18.0.0/15 (RFC 2544), in order; once
 * its 131,070 addresses are used up every further attacker is IPv6.
 * Deterministic: no clock, no randomness.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OUTBUF		(1u << 20)
#define V4MAX		(131072 - 2)	/* 198.18.0.1 .. 198.19.255.254 */

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: genfail [-n LINES] [-A ATTACKERS] [-b BURST] "
	    "[-6 PERCENT] [-t START] [-r LINES_PER_SECOND]\n");
	exit(64);
}

static unsigned long long
num(const char *s, unsigned long long min, unsigned long long max)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

/* The address of attacker k, as sendmail writes it between [ ]. */
static int
attacker(uint64_t k, unsigned pct6, char *buf, size_t len)
{
	uint64_t	v4;

	/* How many of attackers 0..k-1 are IPv4: those with k % 100 >= pct6. */
	v4 = k / 100 * (100 - pct6) + (k % 100 > pct6 ? k % 100 - pct6 : 0);
	if (k % 100 >= pct6 && v4 < V4MAX) {
		v4++;
		return snprintf(buf, len, "198.%u.%u.%u", (unsigned)(18 + v4 / 65536),
		    (unsigned)(v4 / 256 % 256), (unsigned)(v4 % 256));
	}
	return snprintf(buf, len, "IPv6:2001:db8:%x:%x::1", (unsigned)(k >> 16 & 0xffff),
	    (unsigned)(k & 0xffff));
}

int
main(int argc, char **argv)
{
	unsigned long long	 lines = 1000, natt = 100, burst = 1, pct6 = 0;
	long long		 start = 1795651200;	/* 2026-11-26T00:00:00Z */
	double			 rate = 50;
	char			*out, addr[64];
	size_t			 used = 0;
	uint64_t		 i;
	int			 c, n;

	while ((c = getopt(argc, argv, "n:A:b:6:t:r:")) != -1) {
		switch (c) {
		case 'n': lines = num(optarg, 1, 1000000000ULL); break;
		case 'A': natt = num(optarg, 1, 100000000ULL); break;
		case 'b': burst = num(optarg, 1, 1000000000ULL); break;
		case '6': pct6 = num(optarg, 0, 100); break;
		case 't': start = (long long)num(optarg, 0, 4000000000ULL); break;
		case 'r':
			rate = strtod(optarg, NULL);
			if (!(rate > 0 && rate <= 1e9))
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((out = malloc(OUTBUF)) == NULL)
		return 1;
	for (i = 0; i < lines; i++) {
		time_t		t = (time_t)(start + (long long)((double)i / rate));
		struct tm	tm;
		uint64_t	k = i / burst % natt;

		gmtime_r(&t, &tm);
		if (attacker(k, (unsigned)pct6, addr, sizeof(addr)) <= 0)
			return 1;
		n = snprintf(out + used, OUTBUF - used, "%s %2d %02d:%02d:%02d mx sm-mta[%u]: "
		    "uAQ%02d%02d%07u: [%s] did not issue MAIL/EXPN/VRFY/ETRN during "
		    "connection to MTA\n", months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, (unsigned)(i % 900000 + 1000), tm.tm_hour, tm.tm_min,
		    (unsigned)(i % 10000000), addr);
		if (n <= 0 || (size_t)n >= OUTBUF - used)
			return 1;
		used += (size_t)n;
		if (used > OUTBUF - 512 || i + 1 == lines) {
			if (fwrite(out, 1, used, stdout) != used) {
				perror("genfail: write");
				return 1;
			}
			used = 0;
		}
	}
	free(out);
	return fflush(stdout) == 0 ? 0 : 1;
}
