/*
 * ini.h -- strict ini reading over libiniparser, with positions.
 *
 * ini_read() reads one file into a struct ini: a line index (the first
 * line of every section, the line of every key and the raw text after its
 * '=') and, for each key, its value as iniparser reads it.  The index is
 * for positions and for the traps iniparser is silent about (indented
 * continuation lines, values cut at ';' or '#', text after a closing
 * quote, a trailing '\' that joins two lines, repeated keys and sections);
 * the values come from iniparser's dictionary.  A FILE and its .local are
 * read into the same struct ini, as file 0 and file 1.
 *
 * Messages are collected in the struct ini as
 *   FILE:LINE: [section] key: text
 * and printed by ini_flush() in file and line order.
 */
#ifndef MAILBAN_INI_H
#define MAILBAN_INI_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* A place in the files being read: po_file 0 is FILE, 1 its .local;
 * po_line 0 stands for the whole file (or a built-in default). */
struct pos {
	int	 po_file;
	int	 po_line;
};

#define NOPOS	((struct pos){ 0, 0 })
#define NONE	((size_t)-1)

struct ini_sect {
	char		*s_name;	/* lower case, as iniparser names it */
	struct pos	 s_pos;		/* of its first header */
	int		 s_fline[2];	/* of its first header in FILE, in .local; 0: none */
};

struct ini_key {
	size_t		 e_sect;	/* index into i_sect */
	char		*e_key;		/* lower case, as iniparser names it */
	char		*e_raw;		/* the text after '=', blanks stripped */
	char		*e_val;		/* the value, as iniparser reads it */
	struct pos	 e_pos;
	int		 e_bad;		/* the line was reported: the value is not checked */
	int		 e_over;	/* a later line sets the same key again */
};

/* An indented line that fail2ban would read as part of key i_key[c_key]. */
struct ini_cont {
	struct pos	 c_pos;
	size_t		 c_key;
};

struct ini_msg;

struct ini {
	const char	*i_file;	/* FILE as given */
	const char	*i_local;	/* its .local, or NULL */
	/* Keys whose value must not be cut at ';' or '#' (patterns). */
	int		(*i_strict)(const char *key);
	struct ini_sect	*i_sect;	/* in order of first appearance */
	size_t		 i_nsect;
	struct ini_key	*i_key;		/* in file order, FILE first */
	size_t		 i_nkey;
	struct ini_cont	*i_cont;
	size_t		 i_ncont;
	/* private */
	struct ini_msg	*i_msg;
	size_t		 i_nmsg;
	int		 i_fidx;
	int		 i_noini;
};

/* Read fp (whose descriptor is fd) as file fidx into ini: -1 if it could
 * not be read to its end (reported). */
int	 ini_read(struct ini *, FILE *fp, int fd, int fidx);
/* Keys of FILE set again in .local (keys from `from` on) give way. */
void	 ini_mark_overrides(struct ini *, size_t from);

const char *ini_posfile(const struct ini *, struct pos);
/* "line N", or "line N of FILE" when other is in another file than here. */
const char *ini_lineref(const struct ini *, struct pos here, struct pos other,
	    char *buf, size_t len);
/* "DEFAULT" for iniparser's "default", else the name. */
const char *ini_secname(const char *sect);

void	 ini_vreport(struct ini *, struct pos, const char *sect, const char *key,
	    const char *fmt, va_list) __attribute__((format(printf, 5, 0)));
void	 ini_report(struct ini *, struct pos, const char *sect, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Print the collected messages; -1 if there were any. */
int	 ini_flush(struct ini *);
void	 ini_free(struct ini *);

/* Helpers the config files share. */
char	*ini_fmt(const char *, ...) __attribute__((format(printf, 1, 2)));
void	*ini_grow(void *v, size_t n, size_t sz);	/* room for element n */
int	 ini_is_name(const char *s, size_t n);	/* [A-Za-z0-9_.-]{1,} */
/* A way to quote s for iniparser ('\'' or '"'), or 0 if none exists. */
int	 ini_quote_char(const char *s);

#endif
