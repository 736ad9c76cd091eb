/*
 * reader.c -- hand the complete new lines of a rotating log to a callback.
 *
 * Input: the configured log path and the position saved after the last
 * run (reader.h).  Output: one callback per complete line, and the new
 * position, which always points just after the last '\n' consumed.
 *
 * Lines: the line source (lines.c) reads each file in RD_BUFSZ blocks
 * into one reused buffer and splits them; a line longer than
 * READER_LINEMAX is skipped whole and counted, never cut.  In a followed
 * file the last unterminated line is not consumed (unless it is already
 * over READER_LINEMAX: then it is skipped and counted once, and the
 * position points inside it); in a stream (reader_stream) it is, because
 * a stream is complete at EOF.  What is decided here, between the reads:
 * which files, from where, and whether a block read is still the file's.
 *
 * Truncation under the reader (copytruncate during a run): the new
 * fingerprint is made from the bytes as read (struct rd's head), never by
 * reading the file again, and every block read is checked against the
 * file (size, head: still_ours) before it is consumed.  So the position
 * saved describes what was consumed; the next run finds the file shorter
 * or with another head, and finishes the copy from the offset.
 *
 * Which file: see reader.h for the cases.  Details decided here:
 * - The log path may be a symbolic link only to a file in the same
 *   directory (compared after realpath); anything else is refused.  The
 *   checked target is then opened with O_NOFOLLOW, so a link swapped in
 *   between cannot redirect the read.
 * The rotated files (which, in what order, from where): rotate.c.
 *
 * Invariant: on any error *pos is unchanged and -1 is returned, reported
 * once here (a failing callback reports its own error).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "log.h"
#include "reader.h"
#include "rotate.h"
#include "util.h"

/*
 * LINES_FOLLOW: is the file still the one whose bytes up to end were just
 * read?  A file that shrank below them, or whose head is no longer the one
 * read, was truncated (copytruncate) under the reader: the block just read
 * may come from the new content at an old offset, so it is not consumed.
 * The copy holds it, and the next run finishes the copy from the offset.
 * 1 yes, 0 truncated, -1 error.
 */
static int
still_ours(struct rd *rd, int fd, const char *name, int64_t end)
{
	unsigned char	b[READER_FPMAX];
	struct stat	sb;
	size_t		got = 0;
	ssize_t		n;

	if (fstat(fd, &sb) == -1) {
		log_error("cannot stat %s: %s", name, strerror(errno));
		return -1;
	}
	if (sb.st_size < end)
		return 0;
	while (got < rd->headlen) {
		n = pread(fd, b + got, rd->headlen - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_error("cannot read %s: %s", name, strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		got += (size_t)n;
	}
	return memcmp(b, rd->head, rd->headlen) == 0;
}

/*
 * Read src (on fd) from its current offset (at, in the file) to the end,
 * through the line splitter (lines.h).  *done: bytes consumed; *tail:
 * bytes after them that were left (an unterminated line).  inside: the
 * reading starts inside an overlong line that was skipped and counted
 * before: its rest is skipped, not counted again.  An overlong
 * unterminated tail is skipped and counted once in every mode
 * (LINES_FOLLOW: the position then points inside it; see inside).
 */
int
rd_lines(struct rd *rd, struct reader_src *src, int fd, const char *name,
    enum lines_end mode, int64_t at, int inside, int64_t *done, int64_t *tail)
{
	struct lines	 l;
	char		*p;
	size_t		 room, k;
	int64_t		 rdoff = at;	/* file offset of the next byte read */
	int		 m, last = 0, rc = -1;
	ssize_t		 n;

	*done = *tail = 0;
	lines_init(&l, rd->buf, RD_BUFSZ, READER_LINEMAX, 1, name, rd->fn, rd->arg,
	    inside);
	for (;;) {
		p = lines_room(&l, &room);
		if ((n = reader_src_read(src, p, room)) == -1)
			goto out;
		if (n == 0)
			break;
		if (mode == LINES_FOLLOW) {
			if (rdoff > 0) {
				if ((m = still_ours(rd, fd, name, rdoff + n)) == -1)
					goto out;
				if (m == 0) {
					rd->changed = 1;
					break;
				}
			} else {
				/*
				 * The first block holds the head itself: it is the
				 * file opened if it starts with the head seen then
				 * (rd->head); consumed even if the file was
				 * truncated since (the copy starts with it), but
				 * then it is the last.
				 */
				if ((size_t)n < rd->headlen ||
				    memcmp(p, rd->head, rd->headlen) != 0) {
					rd->changed = 1;
					break;
				}
				if ((m = still_ours(rd, fd, name, n)) == -1)
					goto out;
				last = m == 0;
			}
			if (rd->headlen < READER_FPMAX && (size_t)rdoff <= rd->headlen &&
			    rd->headlen < (size_t)rdoff + (size_t)n) {
				k = (size_t)rdoff + (size_t)n - rd->headlen;
				if (k > READER_FPMAX - rd->headlen)
					k = READER_FPMAX - rd->headlen;
				memcpy(rd->head + rd->headlen,
				    p + (rd->headlen - (size_t)rdoff), k);
				rd->headlen += k;
			}
		}
		rdoff += n;
		if (lines_add(&l, (size_t)n) == -1)
			goto out;
		if (last)
			break;
	}
	if (lines_end(&l, mode) == -1)
		goto out;
	*done = l.l_done;
	*tail = l.l_tail;
	rd->st->rs_bytes += (uint64_t)*done;
	rd->st->rs_files++;
	rc = 0;
out:
	rd->st->rs_lines += l.l_lines;
	rd->st->rs_long += l.l_long;
	return rc;
}

/* Is the byte before offset in fd not a '\n' (a skipped overlong line goes on)?  -1 on error. */
int
rd_inside_line(int fd, const char *name, int64_t offset)
{
	char	c;
	ssize_t	n;

	if (offset == 0)
		return 0;
	while ((n = pread(fd, &c, 1, (off_t)(offset - 1))) == -1 && errno == EINTR)
		;
	if (n == -1) {
		log_error("cannot read %s: %s", name, strerror(errno));
		return -1;
	}
	return n == 1 && c != '\n';
}

/* Read exactly len bytes at offset 0; returns the count read (short at EOF), -1 on error. */
ssize_t
rd_read_head(int fd, const char *name, unsigned char *b, size_t len)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len) {
		n = pread(fd, b + got, len - got, (off_t)got);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_error("cannot read %s: %s", name, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * 1 if the first lp_fplen bytes of fd hash to lp_fp, 0 if not, -1 on
 * error.  rd set: on a match the bytes are kept as the head of the file.
 */
int
rd_fp_match(int fd, const char *name, const struct logpos *pos, struct rd *rd)
{
	unsigned char	b[READER_FPMAX];
	ssize_t		n;

	if ((n = rd_read_head(fd, name, b, (size_t)pos->lp_fplen)) == -1)
		return -1;
	if (n != pos->lp_fplen || hash_fnv1a(b, (size_t)n, HASH_FNV_SEED) != pos->lp_fp)
		return 0;
	if (rd != NULL) {
		memcpy(rd->head, b, (size_t)n);
		rd->headlen = (size_t)n;
	}
	return 1;
}

/*
 * Open a regular file without following a final symbolic link and without
 * blocking on a FIFO.  Returns the fd, -2 if absent, -1 on error.
 */
int
rd_open_reg(int dfd, const char *name, const char *shown, struct stat *sb)
{
	int	fd;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			return -2;
		if (errno == ELOOP)
			return log_error("%s: is a symbolic link, not followed",
			    shown);
		return log_error("cannot open %s: %s", shown, strerror(errno));
	}
	if (fstat(fd, sb) == -1) {
		log_error("cannot stat %s: %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb->st_mode)) {
		log_error("%s: not a regular file", shown);
		close(fd);
		return -1;
	}
	return fd;
}

/* Directory part of path, "." if none; caller frees. */
char *
rd_dir_of(const char *path)
{
	const char	*sl = strrchr(path, '/');

	if (sl == NULL)
		return xstrdup(".");
	if (sl == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(sl - path));
}

/*
 * Open the log.  A symbolic link is followed only to a file in the same
 * directory.  Returns the fd, -2 if there is no file (yet), -1 on error.
 */
static int
open_log(const char *path, struct stat *sb)
{
	struct stat	 lsb;
	char		*real = NULL, *rdir = NULL, *dir = NULL, *tdir = NULL;
	int		 fd;

	if (lstat(path, &lsb) == -1) {
		if (errno == ENOENT)
			return -2;
		return log_error("cannot stat %s: %s", path, strerror(errno));
	}
	if (!S_ISLNK(lsb.st_mode))
		return rd_open_reg(AT_FDCWD, path, path, sb);
	fd = -1;
	if ((real = realpath(path, NULL)) == NULL) {
		if (errno == ENOENT)
			fd = -2;	/* dangling: the target is not created yet */
		else
			log_error("cannot resolve %s: %s", path, strerror(errno));
		goto out;
	}
	dir = rd_dir_of(path);
	if ((rdir = realpath(dir, NULL)) == NULL) {
		log_error("cannot resolve %s: %s", dir, strerror(errno));
		goto out;
	}
	tdir = rd_dir_of(real);
	if (strcmp(tdir, rdir) != 0) {
		log_error("%s: symbolic link to %s, outside its directory: refusing "
		    "to follow it (set logpath to the file itself)", path, real);
		goto out;
	}
	fd = rd_open_reg(AT_FDCWD, real, path, sb);
out:
	free(real);
	free(rdir);
	free(dir);
	free(tdir);
	return fd;
}


static int
pos_valid(const char *path, const struct logpos *pos)
{
	/* fplen > offset 0: truncated before any of it was read (reader_follow) */
	if (pos->lp_offset < 0 || pos->lp_fplen < 0 || pos->lp_fplen > READER_FPMAX ||
	    (pos->lp_fplen > pos->lp_offset && pos->lp_offset > 0))
		return log_error("%s: saved position is invalid (offset %" PRId64
		    ", fingerprint length %" PRId64 "); not reading it", path,
		    pos->lp_offset, pos->lp_fplen);
	return 0;
}

int
reader_follow(const char *path, struct logpos *pos, int have_pos,
    reader_fn fn, void *arg, struct reader_stats *st)
{
	struct reader_stats	 dummy;
	struct logpos		 np;
	struct stat		 sb;
	struct reader_src	*src = NULL;
	struct rd		 rd;
	unsigned char		 ohead[READER_FPMAX];
	size_t			 ohlen;
	int64_t			 start = 0, done, tail, want;
	ssize_t			 n;
	int			 fd, m, rc = -1, inside = 0;

	if (st == NULL) {
		memset(&dummy, 0, sizeof(dummy));
		st = &dummy;
	}
	if (path[0] == '\0' || path[strlen(path) - 1] == '/')
		return log_error("\"%s\": not a file name", path);
	if (have_pos && pos_valid(path, pos) == -1)
		return -1;
	if ((fd = open_log(path, &sb)) < 0)
		return fd == -2 ? 0 : -1;
	rd.buf = xmalloc(RD_BUFSZ);
	rd.fn = fn;
	rd.arg = arg;
	rd.st = st;
	rd.headlen = 0;
	rd.changed = 0;
	rd.sib_set = 0;
	/* The head as opened: a file read from 0 must still start with it. */
	if ((n = rd_read_head(fd, path, ohead, sizeof(ohead))) == -1)
		goto out;
	ohlen = (size_t)n;
	if (!have_pos)
		start = 0;
	else if ((uint64_t)sb.st_ino == pos->lp_ino) {
		if (sb.st_size < pos->lp_offset)
			m = 0;
		else if ((m = rd_fp_match(fd, path, pos, &rd)) == -1)
			goto out;
		if (m == 1)
			start = pos->lp_offset;
		else {
			st->rs_truncated = 1;
			if (pos->lp_fplen > 0 &&
			    rd_follow_rotation(&rd, path, fd, &sb, pos, 1, &start) == -1)
				goto out;
		}
	} else {
		st->rs_rotated = 1;
		if (rd_follow_rotation(&rd, path, fd, &sb, pos, 0, &start) == -1)
			goto out;
	}
	if (start > 0) {
		/*
		 * Going on at the saved offset: rd.head holds the bytes the
		 * fingerprint was checked on.  A position saved with a shorter
		 * fingerprint than its offset (by an older version) gets the
		 * rest of its head read here; if the file shrank meanwhile, it
		 * is left for the next run, which sees the truncation.
		 */
		want = start < READER_FPMAX ? start : READER_FPMAX;
		if ((int64_t)rd.headlen < want) {
			if ((n = rd_read_head(fd, path, rd.head, (size_t)want)) == -1)
				goto out;
			if (n < want) {
				rc = 0;
				goto out;
			}
			rd.headlen = (size_t)n;
		}
		if ((inside = rd_inside_line(fd, path, start)) == -1)
			goto out;
	} else {
		memcpy(rd.head, ohead, ohlen);
		rd.headlen = ohlen;
	}
	if (lseek(fd, (off_t)start, SEEK_SET) == -1) {
		log_error("cannot seek in %s: %s", path, strerror(errno));
		goto out;
	}
	src = reader_src_new(fd, path, 0);
	if (rd_lines(&rd, src, fd, path, LINES_FOLLOW, start, inside, &done, &tail) == -1)
		goto out;
	/*
	 * The fingerprint covers min(offset, READER_FPMAX) bytes, taken from
	 * the bytes as they were read (rd.head), so a file truncated under
	 * the reader keeps a fingerprint of what was consumed: the next run
	 * sees the truncation and finishes the copy from the offset.
	 */
	if (start == 0 && done == 0 && ohlen == 0 && rd.sib_set) {
		/*
		 * Rotated files read, and the file at path was empty: an empty
		 * fingerprint would match whatever it holds next, and miss the
		 * copy of it that a copytruncate before the next run makes.
		 * Keep the end of the last rotated file read instead: the next
		 * run finds it, and reads every file rotated after it.
		 */
		*pos = rd.sib;
		rc = 0;
		goto out;
	}
	np.lp_dev = sb.st_dev;
	np.lp_ino = sb.st_ino;
	np.lp_offset = start + done;
	np.lp_fplen = np.lp_offset < READER_FPMAX ? np.lp_offset : READER_FPMAX;
	if (start == 0 && done == 0 && ohlen > 0 && !rd.changed &&
	    (m = still_ours(&rd, fd, path, 0)) != 1) {
		if (m == -1)
			goto out;
		rd.changed = 1;
	}
	if (start == 0 && done == 0 && ohlen > 0 && rd.changed) {
		/*
		 * Truncated (copytruncate) after it was opened, before any of
		 * it was read: the position keeps the head seen at the open
		 * (fplen > offset 0), by which the next run finds the copy
		 * and reads it from 0.
		 */
		memcpy(rd.head, ohead, ohlen);
		rd.headlen = ohlen;
		np.lp_fplen = (int64_t)ohlen;
	}
	if ((int64_t)rd.headlen < np.lp_fplen) {
		log_error("%s: internal error: %zu bytes of the head read, %" PRId64
		    " consumed; position not saved", path, rd.headlen, np.lp_fplen);
		goto out;
	}
	np.lp_fp = hash_fnv1a(rd.head, (size_t)np.lp_fplen, HASH_FNV_SEED);
	*pos = np;
	rc = 0;
out:
	reader_src_close(src);
	free(rd.buf);
	close(fd);
	return rc;
}

char *
reader_key(const char *path)
{
	const char	*base = strrchr(path, '/') == NULL ? path : strrchr(path, '/') + 1;
	char		*dir, *rdir, *key;
	size_t		 dl, bl;

	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return xstrdup(path);
	dir = rd_dir_of(path);
	rdir = realpath(dir, NULL);
	free(dir);
	if (rdir == NULL)
		return xstrdup(path);
	dl = strlen(rdir);
	bl = strlen(base);
	if (dl > 0 && rdir[dl - 1] == '/')
		dl--;		/* "/" */
	key = xmalloc(dl + 1 + bl + 1);
	memcpy(key, rdir, dl);
	key[dl] = '/';
	memcpy(key + dl + 1, base, bl + 1);
	free(rdir);
	return key;
}

int
reader_stream(int fd, const char *name, reader_fn fn, void *arg,
    struct reader_stats *st)
{
	struct reader_stats	 dummy;
	struct reader_src	*src;
	struct rd		 rd;
	int64_t			 done, tail;
	int			 rc;

	if (st == NULL) {
		memset(&dummy, 0, sizeof(dummy));
		st = &dummy;
	}
	rd.buf = xmalloc(RD_BUFSZ);
	rd.fn = fn;
	rd.arg = arg;
	rd.st = st;
	src = reader_src_new(fd, name, 0);
	rc = rd_lines(&rd, src, fd, name, LINES_STREAM, 0, 0, &done, &tail);
	reader_src_close(src);
	free(rd.buf);
	return rc;
}
