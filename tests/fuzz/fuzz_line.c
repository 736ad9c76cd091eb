/*
 * fuzz_line.c -- libFuzzer target for the line path of a run:
 *   syslog_parse -> filter_line (the shipped conf/mailban.conf, loaded with
 *   config_load and compiled with filter_compile) -> the address.
 * The input is split at '\n' into lines that share one syslog context, as
 * the lines of one log do (year inference carries state between lines).
 * Besides memory errors (ASan) and undefined behaviour (UBSan) it checks
 * what a run relies on, and aborts if it does not hold:
 *   - the parsed fields lie inside the line; the time is finite;
 *   - a failure's address is AF_INET or AF_INET6, and its text (addr_str,
 *     what reaches the firewall) is canonical: [0-9a-f.:] only, and parses
 *     back to the same address;
 *   - at most one result per jail, with a pattern index in range.
 * Built and run by tests/fuzz/run.sh (clang, -fsanitize=fuzzer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "filter.h"
#include "syslog.h"

#define REF	1795687200	/* 2026-11-26T10:00:00Z */

static struct config	*cfg;
static struct filterset	*fs;

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 tmp[] = "/tmp/fuzz_line.XXXXXX", buf[8192];
	FILE	*in, *out;
	size_t	 n;
	int	 fd;
	const char *conf = getenv("FUZZ_CONF");

	(void)argc;
	(void)argv;
	setenv("TZ", "Europe/Berlin", 1);	/* DST changes, a real zone */
	tzset();
	/* A private copy: the checkout's file may be group-writable. */
	if ((in = fopen(conf != NULL ? conf : "conf/mailban.conf", "r")) == NULL ||
	    (fd = mkstemp(tmp)) == -1 || (out = fdopen(fd, "w")) == NULL)
		abort();
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			abort();
	fclose(in);
	if (fclose(out) != 0)
		abort();
	if (config_load(tmp, &cfg) == -1 || filter_compile(cfg, &fs) == -1)
		abort();
	unlink(tmp);
	return 0;
}

static void
check_addr(const struct addr *a)
{
	char		 s[ADDR_STRLEN];
	struct addr	 b;
	size_t		 i;

	if (a->a_family != AF_INET && a->a_family != AF_INET6)
		abort();
	if (addr_str(a, s, sizeof(s)) == NULL || s[0] == '\0')
		abort();
	for (i = 0; s[i] != '\0'; i++)
		if (strchr("0123456789abcdef.:", s[i]) == NULL)
			abort();
	if (addr_parse(s, strlen(s), &b) == -1 || addr_cmp(a, &b) != 0)
		abort();
}

static void
one_line(struct syslog_ctx *sc, const char *line, size_t len)
{
	struct sysline	 sl;
	struct match	 m[16];
	size_t		 n, i, k;

	if (syslog_parse(sc, line, len, &sl) == -1)
		return;
	if (sl.s_host < line || sl.s_host + sl.s_hostlen > line + len ||
	    sl.s_daemon < line || sl.s_daemon + sl.s_daemonlen > line + len ||
	    sl.s_msg < line || sl.s_msg + sl.s_msglen > line + len)
		abort();
	n = filter_line(fs, &sl, m, sizeof(m) / sizeof(m[0]));
	if (n > cfg->c_njails)
		abort();
	for (i = 0; i < n; i++) {
		if (m[i].m_jail >= cfg->c_njails || m[i].m_pattern < 0 ||
		    (size_t)m[i].m_pattern >= cfg->c_jails[m[i].m_jail].j_nfail)
			abort();
		for (k = 0; k < i; k++)
			if (m[k].m_jail == m[i].m_jail)
				abort();
		if (m[i].m_kind == MATCH_FAIL || m[i].m_kind == MATCH_NOFAIL)
			check_addr(&m[i].m_addr);
		if (strlen(m[i].m_qid) > FILTER_QIDMAX)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct syslog_ctx	 sc;
	const char		*p = (const char *)data, *end = p + size, *nl;
	char			*line;
	size_t			 len;

	syslog_init(&sc, REF);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		/* An exact-size copy, so ASan sees any read past the end. */
		if ((line = malloc(len + 1)) == NULL)
			abort();
		memcpy(line, p, len);
		one_line(&sc, line, len);
		free(line);
		p += len + 1;
	}
	return 0;
}
