/*
 * reader.h -- read the complete new lines of a log that rotates.
 * A position is (path, dev, inode, offset, fingerprint).  The offset is
 * just after the last '\n' consumed: a half-written last line waits for
 * the next run.  (Except inside an overlong line: an unterminated tail over
 * READER_LINEMAX is skipped and counted once, and the offset points after
 * it; the byte before the offset then is not a '\n', and the rest of that
 * line is skipped when it comes.)  The fingerprint is the FNV-1a hash of
 * the first lp_fplen = min(offset, READER_FPMAX) bytes, which are stable
 * in an append-only file (an empty first line does not fool it: the bytes
 * after it count too).  It is made from the bytes as they were read, never
 * by reading the file again: a file truncated under the reader
 * (copytruncate during a run) keeps the fingerprint of what was consumed,
 * so the next run sees the truncation and finishes the copy.  A block
 * read after the file shrank or lost its head is not consumed (it may be
 * new content at an old offset): the copy has it.  A file truncated after
 * it was opened but before any of it was read (while the rotated files
 * were read) is saved at offset 0 with the head seen at the open as its
 * fingerprint (the one case of lp_fplen > lp_offset), so that the next
 * run finds its copy and reads it from 0.
 *   same inode, size >= offset, fingerprint ok -> go on from offset
 *   same inode, size < offset (copytruncate)  -> from 0
 *   same inode, fingerprint differs (reuse)   -> from 0
 *     (in both cases first the tail of a copy: a rotated sibling of any
 *     inode, or a .gz, that starts with the fingerprint, and the siblings
 *     newer than it; see below)
 *   other inode -> find the old file among the rotated siblings in the same
 *     directory (mail.log.1, mail.log-20261126, ...) by inode+fingerprint,
 *     or, if it was compressed before its end was read, as the one .gz
 *     sibling that starts with the fingerprint; finish it from offset, then
 *     read every newer sibling (oldest first, by mtime; .gz ones through
 *     zlib, other compressed ones are named in a warning), then the new
 *     file from 0.  Old file not found: warn once (bytes lost), read new.
 *   no file yet -> nothing to do, not an error.
 * Lines over READER_LINEMAX bytes are skipped and counted once, never cut.
 * A trailing '\r' is removed.  Reads in large blocks, splits with memchr.
 * path may be a symbolic link only to a file in its own directory; rotated
 * siblings must be regular files (links are never followed).  A rotated
 * file's unterminated last line is counted in rs_lost, never passed on.
 */
#ifndef MAILBAN_READER_H
#define MAILBAN_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lines.h"

#define READER_FPMAX	4096
#define READER_LINEMAX	(64 * 1024)

struct logpos {
	uint64_t lp_dev, lp_ino;
	int64_t	 lp_offset;
	uint64_t lp_fp;		/* hash_fnv1a(first lp_fplen bytes, HASH_FNV_SEED) */
	int64_t	 lp_fplen;
};

/* The reader adds to these: the caller zeroes them (st may be NULL). */
struct reader_stats {
	uint64_t rs_lines;	/* complete lines handed to the callback */
	uint64_t rs_bytes;	/* bytes consumed (incl. skipped lines) */
	uint64_t rs_long;	/* overlong lines skipped */
	uint64_t rs_files;	/* files read from */
	uint64_t rs_lost;	/* bytes known lost (old file vanished) */
	int	 rs_rotated;	/* 1 if a rotation was followed */
	int	 rs_truncated;	/* 1 if the file was truncated/replaced */
};

/*
 * Called once per complete line (no '\n', no trailing '\r'; NULs are kept,
 * len is exact).  file is the path being read: path itself, or a rotated
 * sibling as path's directory part + its name ("/var/log/mail.log.1").
 * Return 0 to go on, -1 to stop (reader returns -1 without a message: the
 * callback reports its own error).
 */
typedef int	(*reader_fn)(void *arg, const char *file, const char *line, size_t len);

/*
 * Read what is new in path since *pos (have_pos 0: never read, start at 0).
 * On success *pos is the new position (of path's current file) and 0 is
 * returned; on error (reported) -1 and *pos is unchanged.
 */
int	 reader_follow(const char *path, struct logpos *pos, int have_pos,
	    reader_fn fn, void *arg, struct reader_stats *st);

/*
 * The key under which path's position is kept: what the file is, not how
 * its path is spelt.  The directory resolved (realpath: "//", "/./", "..",
 * symbolic links of directories) + "/" + the file name, which is kept as
 * it is (a symbolic link at path is the log under path's name, as its
 * rotated siblings are).  A directory that cannot be resolved (not there
 * yet): path as given.  Caller frees.
 */
char	*reader_key(const char *path);

/*
 * 1 if the file name (no directory) is one the reader takes for a rotated
 * sibling of the log named base (mail.log.1, mail.log-20261126,
 * mail.log.2.gz for base mail.log), else 0.  For logpath's globs, which
 * must not follow a rotated file as a log of its own (rotate.c).
 */
int	 reader_rotated_name(const char *name, const char *base);

/*
 * Read a whole open stream (a file given to `mailban test`, or stdin) from
 * its current position.  A stream is complete at EOF, so a last line
 * without '\n' is passed on too.
 */
int	 reader_stream(int fd, const char *name, reader_fn fn, void *arg,
	    struct reader_stats *st);

/*
 * The bytes of one open input (plain, or gzip through the reader's own
 * inflater, for `mailban scan` and `mailban test`): reader_src_open,
 * reader_src_read, reader_src_gz, reader_src_damage, reader_src_close
 * now live in the line source, lines.h (included above), under the same
 * names.
 */

#endif
