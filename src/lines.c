/*
 * lines.c -- bytes of an input (plain or gzip) and lines from bytes.
 *
 * Input: an open descriptor, or bytes put into the splitter's buffer by
 * its caller (journalctl's stdout through proc.c).  Output: one callback
 * per complete line; the counts of lines, overlong lines and bytes
 * consumed.  See lines.h for the rules; invariants kept here:
 *  - the kept partial line holds no '\n' and starts at l_buf[0], so only
 *    the new bytes of a block are searched;
 *  - l_have <= l_max after every lines_add (else the line is skipped:
 *    l_have 0), so lines_room always has room when l_size > l_max;
 *  - a line is never cut into pieces that could pass for lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lines.h"
#include "log.h"
#include "util.h"

#define LN_GZBUF	(64 * 1024)	/* zlib's input buffer */

void
lines_init(struct lines *l, char *buf, size_t size, size_t max, int crlf,
    const char *name, lines_fn fn, void *arg, int inside)
{
	memset(l, 0, sizeof(*l));
	l->l_buf = buf;
	l->l_size = size;
	l->l_max = max;
	l->l_crlf = crlf;
	l->l_name = name;
	l->l_fn = fn;
	l->l_arg = arg;
	l->l_skipping = l->l_counted = inside != 0;
}

char *
lines_room(struct lines *l, size_t *room)
{
	*room = l->l_size - l->l_have;
	return l->l_buf + l->l_have;
}

int
lines_add(struct lines *l, size_t n)
{
	char	*buf = l->l_buf, *p = buf, *q, *end = buf + l->l_have + n;
	size_t	 len, have;

	q = memchr(buf + l->l_have, '\n', n);
	while (q != NULL) {
		len = (size_t)(q - p);
		if (l->l_skipping || len > l->l_max) {
			if (!l->l_counted)
				l->l_long++;
			l->l_done += l->l_skipped + (int64_t)len + 1;
			l->l_skipped = 0;
			l->l_skipping = l->l_counted = 0;
		} else {
			if (l->l_crlf && len > 0 && p[len - 1] == '\r')
				len--;
			if (l->l_fn(l->l_arg, l->l_name, p, len) != 0) {
				l->l_have = 0;
				return -1;
			}
			l->l_lines++;
			l->l_done += (int64_t)(q - p) + 1;
		}
		p = q + 1;
		q = memchr(p, '\n', (size_t)(end - p));
	}
	have = (size_t)(end - p);
	if (l->l_skipping || have > l->l_max) {
		l->l_skipping = 1;
		l->l_skipped += (int64_t)have;
		have = 0;
	} else if (have > 0 && p != buf)
		memmove(buf, p, have);
	l->l_have = have;
	return 0;
}

int
lines_end(struct lines *l, enum lines_end mode)
{
	size_t	len = l->l_have;

	l->l_tail = 0;
	if (l->l_skipping && (mode != LINES_ROTATED || l->l_counted)) {
		/*
		 * Never a line: consumed once, so that no later read passes
		 * it on.  (A rotated file's own overlong tail is left, below.)
		 */
		if (!l->l_counted)
			l->l_long++;
		l->l_done += l->l_skipped;
	} else if (l->l_skipping)
		l->l_tail = l->l_skipped;
	else if (mode == LINES_STREAM && len > 0) {
		if (l->l_crlf && l->l_buf[len - 1] == '\r')
			len--;
		if (l->l_fn(l->l_arg, l->l_name, l->l_buf, len) != 0)
			return -1;
		l->l_lines++;
		l->l_done += (int64_t)l->l_have;
	} else
		l->l_tail = (int64_t)l->l_have;
	l->l_skipping = l->l_counted = 0;
	l->l_skipped = 0;
	l->l_have = 0;
	return 0;
}

int
lines_read(struct lines *l, struct reader_src *src, enum lines_end mode)
{
	size_t	room;
	char	*p;
	ssize_t	n;

	for (;;) {
		p = lines_room(l, &room);
		if ((n = reader_src_read(src, p, room)) == -1)
			return -1;
		if (n == 0)
			break;
		if (lines_add(l, (size_t)n) == -1)
			return -1;
	}
	return lines_end(l, mode);
}

/* --- one input's bytes ------------------------------------------------- */

struct reader_src {
	int		 fd;
	const char	*name;
	int		 gz;		/* 1: gzip, through zs */
	z_stream	 zs;
	unsigned char	*zin;		/* LN_GZBUF compressed bytes */
	int		 zend;		/* a member ended: another may follow */
	char		 zbad[128];	/* why the gzip data ended early, or "" */
	int64_t		 zread, zmade;	/* bytes inflated from and to, all members */
	int64_t		 zcap;		/* the limit that ended it, or 0 */
	char		 peek[2];	/* the first bytes of a plain input */
	size_t		 npeek, ipeek;
};

/*
 * Read more compressed bytes after the zs->avail_in still unused (moved
 * to the start of zin).  The read's result; a read error is put in zbad.
 */
static ssize_t
gz_fill(struct reader_src *src)
{
	z_stream	*zs = &src->zs;
	ssize_t		 r;

	if (zs->avail_in > 0 && zs->next_in != src->zin)
		memmove(src->zin, zs->next_in, zs->avail_in);
	zs->next_in = src->zin;
	while ((r = read(src->fd, src->zin + zs->avail_in,
	    LN_GZBUF - zs->avail_in)) == -1 && errno == EINTR)
		;
	if (r == -1)
		snprintf(src->zbad, sizeof(src->zbad), "%s", strerror(errno));
	else
		zs->avail_in += (uInt)r;
	return r;
}

/*
 * One inflate() into zs's output, within the limit (lines.h): at most
 * max(LINES_GZFLOOR, LINES_GZRATIO * compressed bytes read) bytes in all.
 * At the limit one byte more is tried, into a scratch byte: if there is
 * one, the input ends here (zbad, zcap); a member that ends exactly at the
 * limit is not over it.
 */
static int
gz_inflate(struct reader_src *src)
{
	z_stream	*zs = &src->zs;
	unsigned char	 extra, *out = zs->next_out;
	uInt		 in = zs->avail_in, room = zs->avail_out, give;
	int64_t		 max, allow;
	int		 zr;

	max = src->zread > LINES_GZFLOOR / LINES_GZRATIO ?
	    src->zread * LINES_GZRATIO : LINES_GZFLOOR;
	if ((allow = max - src->zmade) <= 0) {
		zs->next_out = &extra;
		give = 1;
	} else
		give = (int64_t)room > allow ? (uInt)allow : room;
	zs->avail_out = give;
	zr = inflate(zs, Z_NO_FLUSH);
	src->zread += in - zs->avail_in;
	if (allow > 0) {
		src->zmade += give - zs->avail_out;
		zs->avail_out = room - (give - zs->avail_out);
		return zr;
	}
	zs->next_out = out;
	if (zs->avail_out == 0) {
		src->zcap = max;
		snprintf(src->zbad, sizeof(src->zbad),
		    "over the limit of %" PRId64 " uncompressed bytes", max);
		zr = Z_OK;
	}
	zs->avail_out = room;
	return zr;
}

/*
 * Inflate up to n bytes of gzip data: members one after the other.
 * After a member, bytes that do not start with the gzip magic (0x1f
 * 0x8b) are trailing garbage, ignored as gzip -d does.  Broken data
 * stops the stream with the reason in zbad; the bytes inflated before it
 * are returned.
 */
static ssize_t
gz_read(struct reader_src *src, char *b, size_t n)
{
	z_stream	*zs = &src->zs;
	ssize_t		 r;
	int		 zr;

	zs->next_out = (unsigned char *)b;
	zs->avail_out = (uInt)n;
	while (zs->avail_out > 0 && src->zbad[0] == '\0') {
		if (zs->avail_in == 0) {
			if ((r = gz_fill(src)) == 0 && !src->zend)
				snprintf(src->zbad, sizeof(src->zbad),
				    "compressed data ends early");
			if (r <= 0)
				break;
		}
		if (src->zend) {
			if (zs->avail_in < 2 && zs->next_in[0] == 0x1f &&
			    gz_fill(src) == -1)
				break;
			if (zs->avail_in < 2 || zs->next_in[0] != 0x1f ||
			    zs->next_in[1] != 0x8b)
				break;	/* trailing bytes, not a member */
			if (inflateReset(zs) != Z_OK)
				break;
			src->zend = 0;
		}
		zr = gz_inflate(src);
		if (zr == Z_STREAM_END)
			src->zend = 1;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			snprintf(src->zbad, sizeof(src->zbad), "%s",
			    zs->msg != NULL ? zs->msg : "corrupt compressed data");
	}
	return (ssize_t)(n - zs->avail_out);
}

static int
gz_start(struct reader_src *rs)
{
	if (inflateInit2(&rs->zs, 16 + MAX_WBITS) != Z_OK) {
		log_error("cannot read %s: zlib: out of memory", rs->name);
		return -1;
	}
	rs->gz = 1;
	rs->zin = xmalloc(LN_GZBUF);
	return 0;
}

struct reader_src *
reader_src_new(int fd, const char *name, int gz)
{
	struct reader_src	*rs = xcalloc(1, sizeof(*rs));

	rs->fd = fd;
	rs->name = name;
	if (gz && gz_start(rs) == -1) {
		free(rs);
		return NULL;
	}
	return rs;
}

struct reader_src *
reader_src_open(int fd, const char *name)
{
	struct reader_src	*rs = reader_src_new(fd, name, 0);
	ssize_t			 n;

	while (rs->npeek < sizeof(rs->peek)) {
		n = read(fd, rs->peek + rs->npeek, sizeof(rs->peek) - rs->npeek);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_error("cannot read %s: %s", name, strerror(errno));
			free(rs);
			return NULL;
		}
		if (n == 0)
			break;
		rs->npeek += (size_t)n;
	}
	if (rs->npeek == 2 && (unsigned char)rs->peek[0] == 0x1f &&
	    (unsigned char)rs->peek[1] == 0x8b) {
		if (gz_start(rs) == -1) {
			free(rs);
			return NULL;
		}
		memcpy(rs->zin, rs->peek, 2);
		rs->zs.next_in = rs->zin;
		rs->zs.avail_in = 2;
		rs->npeek = 0;
	}
	return rs;
}

ssize_t
reader_src_read(struct reader_src *rs, char *buf, size_t len)
{
	size_t	n = 0;
	ssize_t	r;

	if (rs->ipeek < rs->npeek) {
		n = rs->npeek - rs->ipeek < len ? rs->npeek - rs->ipeek : len;
		memcpy(buf, rs->peek + rs->ipeek, n);
		rs->ipeek += n;
		if (n == len)
			return (ssize_t)n;
	}
	if (rs->gz)
		return (ssize_t)n + gz_read(rs, buf + n, len - n);
	while ((r = read(rs->fd, buf + n, len - n)) == -1 && errno == EINTR)
		;
	if (r == -1) {
		log_error("cannot read %s: %s", rs->name, strerror(errno));
		return -1;
	}
	return (ssize_t)n + r;
}

int
reader_src_gz(const struct reader_src *rs)
{
	return rs->gz;
}

const char *
reader_src_damage(const struct reader_src *rs)
{
	return rs->zbad[0] != '\0' ? rs->zbad : NULL;
}

int64_t
reader_src_capped(const struct reader_src *rs)
{
	return rs->zcap;
}

int
reader_src_warncap(const struct reader_src *rs, const char *name)
{
	if (rs == NULL || rs->zcap == 0)
		return 0;
	log_warnx("%s: %s (%d times its compressed size, at least %d MiB):"
	    " the rest of it is skipped", name, reader_src_damage(rs),
	    LINES_GZRATIO, (int)(LINES_GZFLOOR >> 20));
	return 1;
}

void
reader_src_close(struct reader_src *rs)
{
	if (rs == NULL)
		return;
	if (rs->gz)
		inflateEnd(&rs->zs);
	free(rs->zin);
	free(rs);
}
