/*
 * rotate.c -- the reader's rotated files: which of a log's siblings is
 * the file read last, which were rotated after it, in what order, and
 * reading them (plain, or .gz through the line source's inflater).
 *
 * Called by reader_follow() (reader.c) when the file at the path is not
 * the one read last, or was truncated in place.  The cases are listed in
 * reader.h; details decided here:
 * - Rotated siblings are the names <base>{.,-,_}<digit>[0-9._-]* in the
 *   log's directory, optionally with a compression suffix.  Only regular
 *   files count; a symbolic link is never followed (O_NOFOLLOW, and
 *   fstatat without following).  Of the compressed siblings only gzip
 *   ones (.gz, logrotate's default) are read, through zlib; the others
 *   (.bz2, .xz, ...) are named in a warning.  A compressed sibling whose
 *   uncompressed name is also there is being compressed right now: it
 *   is the same file and is skipped.
 * - A file is "ours" when its inode and its fingerprint match.  The device
 *   number is recorded but not compared: every candidate lives in one
 *   directory, hence on one file system, and st_dev can change across a
 *   reboot (device mapper, btrfs), which must not cause a re-read.
 * - Newer siblings are those modified after the old file (nanoseconds;
 *   on a tie the name decides: a smaller .N, or a later date, is newer).
 *   A rotated file's unterminated last line can never be completed: its
 *   bytes are counted as lost, never passed on (a cut line may hold a cut
 *   address).
 * - Other inode, old file not among the siblings, but the file at the path
 *   starts with the saved fingerprint and is long enough: it is a copy of
 *   the file read before (restored, or edited with sed -i): go on from the
 *   offset instead of reading it all twice.
 * - Old file gone: if exactly one .gz sibling starts with the saved
 *   fingerprint it is the old file, compressed before its end was read
 *   (logrotate without delaycompress): its tail is read from the saved
 *   offset, and its mtime (kept by gzip) selects the newer siblings to
 *   read.  Otherwise the loss is unknown and the warning says so.
 * - A .gz whose data is corrupt or ends early is read up to that point;
 *   the rest is reported lost (one warning), never an error: the same
 *   broken file must not stop every later run.  A .gz that inflates to more
 *   than its limit (lines.h: LINES_GZRATIO times its size, at least
 *   LINES_GZFLOOR) is read up to the limit and the rest skipped, with one
 *   warning: a bomb must not hold the run lock for hours.
 * - Limit of the fingerprint: it covers only what was consumed, at most
 *   READER_FPMAX bytes.  A file replaced in place by one whose first
 *   lp_fplen bytes are identical is taken as the same file; with the
 *   timestamps of syslog lines this means the same content (an empty
 *   first line alone is never the whole fingerprint once more was read).
 * - Same inode but truncated or rewritten (copytruncate, or an inode
 *   reused after the old file was compressed and removed): the lines
 *   written between the last run and the copy are only in the copy.  A
 *   sibling (of any inode) that starts with the fingerprint and is long
 *   enough, or the one .gz that does, is that copy: its tail is read from
 *   the offset, then the newer siblings, then the file from 0.
 * - Known gaps: lines the writer appends to a renamed file after it was
 *   finished here (before its HUP) are not read; lines written between
 *   copytruncate's copy and its truncation are lost by logrotate itself.
 *
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lines.h"
#include "log.h"
#include "reader.h"
#include "rotate.h"
#include "util.h"

#define RD_GZIN		(64 * 1024)	/* compressed bytes read to find a fingerprint */

struct sib {
	char		*name;
	size_t		 sfx;	/* index of the rotation suffix in name */
	uint64_t	 ino;
	int64_t		 size;
	struct timespec	 mtime;
	int		 compressed;
};

struct dirlist {
	struct sib	*s;
	size_t		 n;
};

static const char *const zsuffix[] = {
	".gz", ".bz2", ".xz", ".zst", ".lz4", ".lzma", ".lz", ".Z", ".zip"
};

/*
 * 1 if name is a rotated sibling of base (<base>{.,-,_}<digit>...), with
 * *compressed set; else 0.  The narrow alphabet also keeps odd bytes of
 * file names out of messages.
 */
static int
sib_name(const char *name, const char *base, int *compressed)
{
	size_t	bl = strlen(base), nl = strlen(name), i, k, sl;

	if (strncmp(name, base, bl) != 0 || nl < bl + 2)
		return 0;
	if (strchr(".-_", name[bl]) == NULL || name[bl + 1] < '0' || name[bl + 1] > '9')
		return 0;
	*compressed = 0;
	for (k = 0; k < sizeof(zsuffix) / sizeof(zsuffix[0]); k++) {
		sl = strlen(zsuffix[k]);
		if (nl >= bl + 2 + sl && strcmp(name + nl - sl, zsuffix[k]) == 0) {
			*compressed = 1;
			nl -= sl;
			break;
		}
	}
	for (i = bl + 2; i < nl; i++)
		if (strchr("0123456789._-", name[i]) == NULL)
			return 0;
	return 1;
}

int
reader_rotated_name(const char *name, const char *base)
{
	int	compressed;

	return sib_name(name, base, &compressed);
}

static void
dirlist_free(struct dirlist *dl)
{
	size_t	i;

	for (i = 0; i < dl->n; i++)
		free(dl->s[i].name);
	free(dl->s);
	dl->s = NULL;
	dl->n = 0;
}

/* The rotated siblings of base that are regular files (not followed). */
static int
dirlist_load(DIR *d, const char *dir, const char *base, struct dirlist *dl)
{
	struct dirent	*de;
	struct stat	 sb;
	struct sib	*s;
	int		 z;

	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (!sib_name(de->d_name, base, &z))
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue;	/* removed meanwhile */
			return log_error("cannot stat %s/%s: %s", dir, de->d_name,
			    strerror(errno));
		}
		if (!S_ISREG(sb.st_mode))
			continue;
		dl->s = xreallocarray(dl->s, dl->n + 1, sizeof(*dl->s));
		s = &dl->s[dl->n++];
		s->name = xstrdup(de->d_name);
		s->sfx = strlen(base) + 1;
		s->ino = sb.st_ino;
		s->size = sb.st_size;
		s->mtime = sb.st_mtim;
		s->compressed = z;
	}
	if (errno != 0)
		return log_error("cannot read directory %s: %s", dir, strerror(errno));
	return 0;
}

static int
tscmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

/*
 * Oldest first: by mtime, then by name, where a larger number (.2 before
 * .1) or a smaller string (an earlier date) is older.
 */
static int
sib_cmp(const void *va, const void *vb)
{
	const struct sib	*a = va, *b = vb;
	const char		*x = a->name + a->sfx, *y = b->name + b->sfx;
	unsigned long long	 nx, ny;
	int			 c;

	if ((c = tscmp(&a->mtime, &b->mtime)) != 0)
		return c;
	if (strspn(x, "0123456789") == strlen(x) && strlen(x) < 19 &&
	    strspn(y, "0123456789") == strlen(y) && strlen(y) < 19) {
		nx = strtoull(x, NULL, 10);
		ny = strtoull(y, NULL, 10);
		if (nx != ny)
			return nx > ny ? -1 : 1;
	}
	return strcmp(a->name, b->name);
}

/* "dir/name" as the callback and messages show it; caller frees. */
static char *
sib_path(const char *path, const char *name)
{
	const char	*sl = strrchr(path, '/');
	size_t		 pl = sl == NULL ? 0 : (size_t)(sl - path) + 1;
	size_t		 nl = strlen(name);
	char		*s = xmalloc(pl + nl + 1);

	memcpy(s, path, pl);
	memcpy(s + pl, name, nl + 1);
	return s;
}

/*
 * Does the gzip file start with the saved fingerprint?  1 yes; 0 no or
 * unreadable.  Inflates only the first lp_fplen bytes.
 */
static int
gz_match(int dfd, const struct sib *s, const struct logpos *pos)
{
	unsigned char	 in[8192], out[READER_FPMAX];
	z_stream	 zs;
	struct stat	 sb;
	size_t		 total = 0;
	ssize_t		 n;
	int		 fd, match;

	fd = openat(dfd, s->name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return 0;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_size < 18) {
		close(fd);
		return 0;
	}
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		close(fd);
		return 0;
	}
	zs.next_out = out;
	zs.avail_out = (uInt)pos->lp_fplen;
	while (zs.avail_out > 0) {
		if (zs.avail_in == 0) {
			if (total >= RD_GZIN || (n = read(fd, in, sizeof(in))) <= 0)
				break;
			total += (size_t)n;
			zs.next_in = in;
			zs.avail_in = (uInt)n;
		}
		if (inflate(&zs, Z_NO_FLUSH) != Z_OK)
			break;
	}
	match = zs.avail_out == 0 &&
	    hash_fnv1a(out, (size_t)pos->lp_fplen, HASH_FNV_SEED) == pos->lp_fp;
	inflateEnd(&zs);
	close(fd);
	return match;
}

/*
 * Skip the first pos->lp_offset bytes of a gzip stream, checking that the
 * first lp_fplen of them hash to the saved fingerprint; *inside: the
 * last of them is not a '\n' (see rd_inside_line).  1 done, 0 the
 * data differs, -1 it is broken or ends before the offset (*why).
 */
static int
gz_skip(struct rd *rd, struct reader_src *src, const struct logpos *pos,
    int *inside, const char **why)
{
	int64_t		left = pos->lp_offset;
	size_t		want;
	ssize_t		n;
	int		first = 1;

	while (left > 0) {
		want = first ? (size_t)pos->lp_fplen : (size_t)(left < RD_BUFSZ ?
		    left : RD_BUFSZ);
		if (want == 0) {
			first = 0;
			continue;
		}
		if ((n = reader_src_read(src, rd->buf, want)) <= 0) {
			if ((*why = reader_src_damage(src)) == NULL)
				*why = "uncompressed data ends";
			return -1;
		}
		if (first && ((size_t)n != want ||
		    hash_fnv1a(rd->buf, want, HASH_FNV_SEED) != pos->lp_fp))
			return 0;
		first = 0;
		left -= n;
		*inside = rd->buf[n - 1] != '\n';
	}
	return 1;
}

/*
 * Open a rotated file listed in s.  Returns the fd; -2 if it was removed
 * or replaced since it was listed (rotated again: the caller lists the
 * directory again); -1 on error.
 */
static int
sib_open(int dfd, const char *path, const struct sib *s)
{
	struct stat	 sb;
	char		*shown = sib_path(path, s->name);
	int		 fd;

	fd = rd_open_reg(dfd, s->name, shown, &sb);
	if (fd >= 0 && (uint64_t)sb.st_ino != s->ino) {
		close(fd);
		fd = -2;
	}
	free(shown);
	return fd;
}

/*
 * Read one rotated file, open on fd (closed here), from offset after
 * checking the fingerprint (pos set) or whole.  It is complete: an
 * unterminated tail is lost.  A compressed one is a .gz (the caller
 * checks): read through zlib.
 */
/* rd->sib: the position at `end` of the rotated file on fd. */
static int
sib_end(struct rd *rd, int fd, const char *shown, int64_t end)
{
	unsigned char	 head[READER_FPMAX];
	struct stat	 sb;
	ssize_t		 n;
	size_t		 len = end < READER_FPMAX ? (size_t)end : READER_FPMAX;

	if (fstat(fd, &sb) == -1)
		return log_error("cannot stat %s: %s", shown, strerror(errno));
	if ((n = rd_read_head(fd, shown, head, len)) == -1)
		return -1;
	if ((size_t)n < len)
		return 0;	/* shrank meanwhile: no position from it */
	rd->sib.lp_dev = sb.st_dev;
	rd->sib.lp_ino = sb.st_ino;
	rd->sib.lp_offset = end;
	rd->sib.lp_fplen = (int64_t)len;
	rd->sib.lp_fp = hash_fnv1a(head, len, HASH_FNV_SEED);
	rd->sib_set = 1;
	return 0;
}

static int
read_sib(struct rd *rd, int fd, const char *path, const struct sib *s,
    const struct logpos *pos)
{
	struct reader_src *src = NULL;
	char		*shown = sib_path(path, s->name);
	const char	*why;
	unsigned char	 magic[2] = { 0, 0 };
	int64_t		 done, tail;
	int		 rc = -1, m, inside = 0;

	if (s->compressed) {
		if (rd_read_head(fd, shown, magic, 2) == -1)
			goto out;
		if (magic[0] != 0x1f || magic[1] != 0x8b) {
			log_warnx("%s: not in gzip format: its lines are lost", shown);
			rc = 0;
			goto out;
		}
		if ((src = reader_src_new(fd, shown, 1)) == NULL)
			goto out;
		if (pos != NULL && (m = gz_skip(rd, src, pos, &inside, &why)) != 1) {
			if (m == 0)
				log_error("%s: changed while the rotated files were read",
				    shown);
			else
				log_warnx("%s: %s before offset %" PRId64 ": the lines "
				    "after it are lost", shown, why, pos->lp_offset);
			rc = m == 0 ? -1 : 0;
			goto out;
		}
	} else {
		if (pos != NULL && (m = rd_fp_match(fd, shown, pos, NULL)) != 1) {
			if (m == 0)
				log_error("%s: changed while the rotated files were read",
				    shown);
			goto out;
		}
		if (pos != NULL && (inside = rd_inside_line(fd, shown, pos->lp_offset)) == -1)
			goto out;
		if (lseek(fd, pos != NULL ? (off_t)pos->lp_offset : 0, SEEK_SET) == -1) {
			log_error("cannot seek in %s: %s", shown, strerror(errno));
			goto out;
		}
		src = reader_src_new(fd, shown, 0);
	}
	if (rd_lines(rd, src, fd, shown, LINES_ROTATED, pos != NULL ? pos->lp_offset : 0,
	    inside, &done, &tail) == -1)
		goto out;
	rd->st->rs_lost += (uint64_t)tail;
	rd->sib_set = 0;
	if (!s->compressed && sib_end(rd, fd, shown,
	    (pos != NULL ? pos->lp_offset : 0) + done + tail) == -1)
		goto out;
	if (reader_src_capped(src) != 0)
		(void)reader_src_warncap(src, shown);
	else if ((why = reader_src_damage(src)) != NULL)
		log_warnx("%s: %s at offset %" PRId64 ": the rest of it is lost",
		    shown, why, (pos != NULL ? pos->lp_offset : 0) + done + tail);
	else if (tail > 0)
		log_warnx("%s: rotated file ends in an incomplete line: %" PRId64
		    " bytes lost", shown, tail);
	rc = 0;
out:
	reader_src_close(src);
	if (fd >= 0)
		close(fd);
	free(shown);
	return rc;
}

/*
 * The old file among the uncompressed siblings: index, dl->n if absent,
 * -1 on error.  copy: the file at path was truncated in place, so the old
 * content can only be in a copy (copytruncate): any inode will do.
 */
static ssize_t
find_old(DIR *d, const char *path, const struct dirlist *dl,
    const struct logpos *pos, int copy)
{
	struct stat	 sb;
	char		*shown;
	size_t		 i;
	int		 fd, m;

	for (i = 0; i < dl->n; i++) {
		if (dl->s[i].compressed || (!copy && dl->s[i].ino != pos->lp_ino) ||
		    dl->s[i].size < pos->lp_offset)
			continue;
		shown = sib_path(path, dl->s[i].name);
		fd = rd_open_reg(dirfd(d), dl->s[i].name, shown, &sb);
		m = fd >= 0 ? rd_fp_match(fd, shown, pos, NULL) : fd;
		if (fd >= 0)
			close(fd);
		free(shown);
		if (m == -1)
			return -1;
		if (m == 1)
			return (ssize_t)i;
		/* m == 0 (inode reused) or -2 (removed meanwhile): not it */
	}
	return (ssize_t)dl->n;
}

/*
 * The one .gz sibling that starts with the saved fingerprint: the old
 * file, compressed before its end was read (logrotate without
 * delaycompress).  NULL if none, or if several do (which is unknown).
 */
static const struct sib *
find_gz(DIR *d, const struct dirlist *dl, const struct logpos *pos)
{
	const struct sib	*gz = NULL;
	size_t			 i, ngz = 0, nl;

	for (i = 0; i < dl->n && pos->lp_fplen > 0; i++) {
		nl = strlen(dl->s[i].name);
		if (dl->s[i].compressed && strcmp(dl->s[i].name + nl - 3, ".gz") == 0 &&
		    gz_match(dirfd(d), &dl->s[i], pos)) {
			gz = &dl->s[i];
			ngz++;
		}
	}
	return ngz == 1 ? gz : NULL;
}

/*
 * The old file is not among the uncompressed siblings.  Returns its .gz
 * (find_gz), whose tail is read and whose mtime orders the newer siblings.
 * Else warns once that an unknown number of bytes is lost: NULL.
 */
static const struct sib *
find_gone(DIR *d, const char *path, const struct dirlist *dl,
    const struct logpos *pos)
{
	const struct sib	*gz, *z = NULL;
	size_t			 i;
	char			*shown;

	if ((gz = find_gz(d, dl, pos)) != NULL) {
		shown = sib_path(path, gz->name);
		log_info("%s: the file read last was compressed to %s before its end "
		    "was read: reading it from offset %" PRId64, path, shown,
		    pos->lp_offset);
		free(shown);
		return gz;
	}
	for (i = 0; i < dl->n; i++)
		if (dl->s[i].compressed)
			z = &dl->s[i];	/* sorted: the last is the newest */
	if (z != NULL) {
		shown = sib_path(path, z->name);
		log_warnx("%s: the file read last (inode %" PRIu64 ") is gone: an "
		    "unknown number of bytes after offset %" PRId64 " are lost (they "
		    "may be in the compressed %s, which is not read); reading %s "
		    "from the start", path, pos->lp_ino, pos->lp_offset, shown, path);
		free(shown);
	} else
		log_warnx("%s: the file read last (inode %" PRIu64 ") is gone: an "
		    "unknown number of bytes after offset %" PRId64 " are lost; "
		    "reading %s from the start", path, pos->lp_ino, pos->lp_offset,
		    path);
	return NULL;
}

/* Is s a .gz file? */
static int
is_gz(const struct sib *s)
{
	size_t	nl = strlen(s->name);

	return s->compressed && nl > 3 && strcmp(s->name + nl - 3, ".gz") == 0;
}

/*
 * Is the compressed sibling i being made from an uncompressed one still
 * listed ("mail.log.1.gz" beside "mail.log.1")?  Then it is that file.
 */
static int
compressing(const struct dirlist *dl, size_t i)
{
	const char	*dot = strrchr(dl->s[i].name, '.');
	size_t		 k, stem = (size_t)(dot - dl->s[i].name);

	for (k = 0; k < dl->n; k++)
		if (!dl->s[k].compressed && strlen(dl->s[k].name) == stem &&
		    strncmp(dl->s[k].name, dl->s[i].name, stem) == 0)
			return 1;
	return 0;
}

/* Does an entry of dl in [from, i) have the inode of entry i? */
static int
seen_ino(const struct dirlist *dl, size_t from, size_t i)
{
	size_t	k;

	for (k = from; k < i; k++)
		if (dl->s[k].ino == dl->s[i].ino)
			return 1;
	return 0;
}

/*
 * What to do with sibling i, after ref (the old file): 1 read it, 0 skip
 * it, 2 report it lost (compressed, but not gzip).
 */
static int
newer_sib(const struct dirlist *dl, size_t i, const struct sib *ref,
    const struct stat *cur)
{
	/*
	 * The file at path when it has a rotated name, or a hard link.  Not
	 * pos->lp_ino: once the old file is gone (compressed), a newer file
	 * may have been given its inode.
	 */
	if (dl->s[i].ino == cur->st_ino || dl->s[i].ino == ref->ino ||
	    seen_ino(dl, (size_t)(ref - dl->s) + 1, i))
		return 0;
	if (dl->s[i].compressed && compressing(dl, i))
		return 0;
	if (dl->s[i].compressed && !is_gz(&dl->s[i]))
		return 2;
	return 1;
}

#define RD_RELIST	8	/* listings tried when files move while opened */

/*
 * The file at path is not the one read last.  Finish the old one, then
 * read the siblings rotated after it, oldest first.  *start: where to read
 * the file at path (0, or the offset if it is a copy of the old one).
 * truncated: the file at path is the one read last (same inode), but it
 * was truncated or rewritten in place; the old content, if anywhere, is in
 * a copy that starts with the fingerprint (copytruncate), or its .gz.
 * Nothing found then is no loss known: the file is read from 0.
 * Every file to be read is opened before any is read: one renamed or
 * compressed meanwhile (a rotation during the run) makes the directory be
 * listed again, so no line has been passed on from a set that changed.
 */
int
rd_follow_rotation(struct rd *rd, const char *path, int curfd,
    const struct stat *cur, const struct logpos *pos, int truncated,
    int64_t *start)
{
	struct dirlist		 dl = { NULL, 0 };
	const struct sib	*ref = NULL;
	ssize_t			 old;
	size_t			 i, r, nfd = 0;
	char			*dir, *shown;
	const char		*base;
	DIR			*d;
	int			*fds = NULL, m, rc = -1, tries, moved;

	*start = 0;
	dir = rd_dir_of(path);
	base = strrchr(path, '/') == NULL ? path : strrchr(path, '/') + 1;
	if ((d = opendir(dir)) == NULL) {
		log_error("cannot open directory %s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	for (tries = 1;; tries++) {
		if (dirlist_load(d, dir, base, &dl) == -1)
			goto out;
		if (dl.n > 1)
			qsort(dl.s, dl.n, sizeof(*dl.s), sib_cmp);
		if ((old = find_old(d, path, &dl, pos, truncated)) == -1)
			goto out;
		if ((size_t)old < dl.n)
			ref = &dl.s[old];
		else if (truncated) {
			if ((ref = find_gz(d, &dl, pos)) == NULL) {
				log_info("%s: truncated or rewritten in place, reading "
				    "it from the start", path);
				rc = 0;
				goto out;
			}
		} else {
			m = cur->st_size >= pos->lp_offset && pos->lp_fplen > 0 ?
			    rd_fp_match(curfd, path, pos, rd) : 0;
			if (m == -1)
				goto out;
			if (m == 1) {
				log_info("%s: replaced by a copy of itself, going on "
				    "at offset %" PRId64, path, pos->lp_offset);
				*start = pos->lp_offset;
				rc = 0;
				goto out;
			}
			if ((ref = find_gone(d, path, &dl, pos)) == NULL) {
				rc = 0;
				goto out;
			}
		}
		r = (size_t)(ref - dl.s);
		nfd = dl.n;
		fds = xreallocarray(fds, nfd, sizeof(*fds));
		for (i = 0; i < nfd; i++)
			fds[i] = -1;
		moved = 0;
		for (i = r; i < nfd && !moved; i++) {
			if (i > r && newer_sib(&dl, i, ref, cur) != 1)
				continue;
			if ((fds[i] = sib_open(dirfd(d), path, &dl.s[i])) == -1)
				goto out;
			moved = fds[i] == -2;
		}
		if (!moved)
			break;
		for (i = 0; i < nfd; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		nfd = 0;
		if (tries == RD_RELIST) {
			log_error("%s: the rotated files kept changing while they "
			    "were opened (%d times); trying again next run", path, tries);
			goto out;
		}
		dirlist_free(&dl);
		rewinddir(d);
	}
	if (truncated) {
		shown = sib_path(path, ref->name);
		log_info("%s: truncated after a copy to %s: reading the copy from "
		    "offset %" PRId64, path, shown, pos->lp_offset);
		free(shown);
		rd->st->rs_rotated = 1;
	}
	m = read_sib(rd, fds[r], path, ref, pos);
	fds[r] = -1;
	if (m == -1)
		goto out;
	for (i = r + 1; i < dl.n; i++) {
		switch (newer_sib(&dl, i, ref, cur)) {
		case 2:
			shown = sib_path(path, dl.s[i].name);
			log_warnx("%s: rotated after the file read last, but only .gz "
			    "files are read: its lines are lost", shown);
			free(shown);
			break;
		case 1:
			m = read_sib(rd, fds[i], path, &dl.s[i], NULL);
			fds[i] = -1;
			if (m == -1)
				goto out;
			break;
		}
	}
	rc = 0;
out:
	for (i = 0; i < nfd; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	dirlist_free(&dl);
	closedir(d);
	free(dir);
	return rc;
}
