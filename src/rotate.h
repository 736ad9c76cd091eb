/*
 * rotate.h -- private to the reader (reader.c, rotate.c): the state of one
 * reader_follow() and the steps both files use.  Not an API: reader.h is.
 */
#ifndef MAILBAN_ROTATE_H
#define MAILBAN_ROTATE_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

#include "lines.h"
#include "reader.h"

#define RD_BUFSZ	(1024 * 1024)

struct rd {
	char			*buf;	/* RD_BUFSZ bytes, reused for every file */
	reader_fn		 fn;
	void			*arg;
	struct reader_stats	*st;
	/*
	 * The first bytes of the file at path, as read (by the fingerprint
	 * check, then by rd_lines): the new fingerprint is made from these,
	 * never by reading the file again, which may have been truncated
	 * meanwhile.
	 */
	unsigned char		 head[READER_FPMAX];
	size_t			 headlen;
	int			 changed;	/* rd_lines stopped: not the file read */
	/*
	 * The end of the last rotated file read, when it was not compressed:
	 * the position to keep when the file at path yields nothing (empty:
	 * no fingerprint to find its next copy by).
	 */
	int			 sib_set;
	struct logpos		 sib;
};

/* reader.c */
/*
 * Read src (on fd, at file offset at) to its end through the line
 * splitter; *done bytes consumed, *tail left (an unterminated line);
 * inside: it starts inside an overlong line counted before.
 */
int	 rd_lines(struct rd *, struct reader_src *src, int fd, const char *name,
	    enum lines_end mode, int64_t at, int inside, int64_t *done, int64_t *tail);
/* Is the byte before offset not a '\n' (inside a skipped line)?  -1 on error. */
int	 rd_inside_line(int fd, const char *name, int64_t offset);
/* Up to len bytes at offset 0 (short at EOF), -1 on error. */
ssize_t	 rd_read_head(int fd, const char *name, unsigned char *b, size_t len);
/* 1 if fd starts with pos's fingerprint, 0 if not, -1 on error (rd: keep the head). */
int	 rd_fp_match(int fd, const char *name, const struct logpos *pos, struct rd *rd);
/* A regular file, not through a final link, not blocking: fd, -2 absent, -1 error. */
int	 rd_open_reg(int dfd, const char *name, const char *shown, struct stat *sb);
/* Directory part of path, "." if none; caller frees. */
char	*rd_dir_of(const char *path);

/* rotate.c */
/*
 * The file at path (open on curfd, cur) is not the one read last (pos):
 * finish the old one, then the siblings rotated after it, oldest first.
 * *start: where to read the file at path (0, or the offset if it is a
 * copy of the old one).  truncated: same inode, truncated or rewritten
 * in place.  0, or -1 (reported).
 */
int	 rd_follow_rotation(struct rd *, const char *path, int curfd,
	    const struct stat *cur, const struct logpos *pos, int truncated,
	    int64_t *start);

#endif
