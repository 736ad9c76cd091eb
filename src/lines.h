/*
 * lines.h -- the one line source: the bytes of an open input (plain, or
 * gzip through its own inflater) and the splitter that turns bytes into
 * lines, overlong ones skipped and counted, never cut.
 *
 * Used by the reader (run's log and its rotated files; test's streams),
 * by the journal reader (journalctl's stdout, fed by proc.c) and, for the
 * bytes, by scan.  Rotation, positions and fingerprints are the reader's
 * (reader.h), on top of this.
 */
#ifndef MAILBAN_LINES_H
#define MAILBAN_LINES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Called once per complete line (no '\n'; with l_crlf no trailing '\r';
 * NULs are kept, len is exact).  name is the splitter's l_name.  Return 0
 * to go on, -1 to stop (the callback reports its own error).
 */
typedef int	(*lines_fn)(void *arg, const char *name, const char *line, size_t len);

/*
 * The splitter.  Bytes are read straight into its buffer (lines_room),
 * then split (lines_add) with memchr; the unterminated rest stays at the
 * start of the buffer.  A line (bytes before '\n', a '\r' included) longer
 * than l_max is skipped whole, however many blocks it spans, and counted
 * once in l_long.  The buffer must hold more than l_max bytes.
 * The counters are the splitter's own (zeroed by lines_init): the caller
 * adds them to its statistics.
 */
struct lines {
	char		*l_buf;
	size_t		 l_size, l_have, l_max;
	int		 l_crlf;	/* 1: a trailing '\r' is removed */
	const char	*l_name;
	lines_fn	 l_fn;
	void		*l_arg;
	int		 l_skipping;	/* inside an overlong line */
	int		 l_counted;	/* ...that was counted before (lines_init) */
	int64_t		 l_skipped;	/* bytes of it dropped so far */
	uint64_t	 l_lines;	/* lines handed to l_fn */
	uint64_t	 l_long;	/* overlong lines skipped */
	int64_t		 l_done;	/* bytes consumed (lines, skipped lines) */
	int64_t		 l_tail;	/* lines_end: bytes left unconsumed */
};

/*
 * inside: the input starts inside an overlong line skipped and counted
 * before (a position that points into it): its rest is skipped, not
 * counted again.
 */
void	 lines_init(struct lines *, char *buf, size_t size, size_t max, int crlf,
	    const char *name, lines_fn fn, void *arg, int inside);
/* Where the next bytes go, and how many fit (at least 1). */
char	*lines_room(struct lines *, size_t *room);
/* Split the n bytes just put at lines_room: 0, or -1 when l_fn stopped. */
int	 lines_add(struct lines *, size_t n);

/* What the end of the input means for its unterminated rest. */
enum lines_end {
	LINES_STREAM,	/* complete: the last line is passed on without '\n' */
	LINES_ROTATED,	/* complete, but a line without '\n' is cut: left (l_tail) */
	LINES_FOLLOW	/* it may grow: the rest waits (l_tail) */
};

/*
 * At the end of the input.  An overlong rest is skipped, counted once and
 * consumed (but in LINES_ROTATED one that started in this input is left,
 * in l_tail).  0, or -1 when l_fn stopped.
 */
int	 lines_end(struct lines *, enum lines_end);

/*
 * Read all of src through l (lines_add until the end, then lines_end).
 * 0, -1 on a read error (reported) or when l_fn stopped.
 */
struct reader_src;
int	 lines_read(struct lines *, struct reader_src *, enum lines_end);

/*
 * The bytes of one open input: plain, or gzip inflated here, never with
 * gzread (which drops the bytes it inflated in a call that then meets
 * corrupt data: those lines would be neither read nor counted), so that
 * every command reads the same bytes of a damaged file.  Several gzip
 * members are read one after the other (as gzip -d); bytes after a member
 * that do not start with the gzip magic (0x1f 0x8b) are trailing garbage,
 * ignored as gzip -d does ("trailing garbage ignored"), not damage.  Broken data ends the input; reader_src_damage says why.
 * (The reader_src_ names are older than this module: scan and test call
 * them.)
 *
 * reader_src_open reads the first bytes to tell gzip (0x1f 0x8b) from
 * plain (NULL: a read error, reported); reader_src_new is told which it
 * is (gz 1: the fd is at the start of the gzip data; NULL: zlib out of
 * memory, reported).  reader_src_read returns up to len bytes of text, 0
 * at the end, -1 on a read error of a plain input (reported).
 * reader_src_close does not close fd.
 */
/*
 * A gzip input inflates to at most LINES_GZRATIO times the compressed
 * bytes read so far, and at least LINES_GZFLOOR bytes: more ends it as
 * damage does, with the reason "over the limit of N uncompressed bytes"
 * (reader_src_capped: N).  Text logs deflate 5 to 20 times, so a real
 * rotated log of any size passes; a bomb (deflate reaches ~1000 times)
 * costs no more work than a plain log 64 times its size.
 * reader_src_warncap: if the input hit the limit, one warning "NAME: over
 * the limit of N uncompressed bytes (64 times its compressed size, at
 * least 64 MiB): the rest of it is skipped" and 1; else 0, nothing said.
 */
#define LINES_GZRATIO	64
#define LINES_GZFLOOR	((int64_t)64 << 20)

struct reader_src *reader_src_open(int fd, const char *name);
struct reader_src *reader_src_new(int fd, const char *name, int gz);
ssize_t		 reader_src_read(struct reader_src *, char *buf, size_t len);
int		 reader_src_gz(const struct reader_src *);		/* 1 if gzip */
const char	*reader_src_damage(const struct reader_src *);	/* reason, or NULL */
int64_t		 reader_src_capped(const struct reader_src *);	/* the limit hit, or 0 */
int		 reader_src_warncap(const struct reader_src *, const char *name);
void		 reader_src_close(struct reader_src *);		/* NULL is fine */

#endif
