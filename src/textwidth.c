/*
 * How many columns text takes on a terminal, and where to cut it to fit.
 * The text is what escape_terminal() made of untrusted bytes, plus the
 * colour sequences of the table output: every ESC in it starts one of
 * those, and they take no room.  Anything that is not well-formed UTF-8
 * was escaped before it got here, but is counted a column a byte anyway.
 */
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"

/* Blocks of East Asian wide characters and emoji: two columns each. */
static const struct {
	uint32_t	 first;
	uint32_t	 last;
} wide_ranges[] = {
	{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff },
	{ 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
	{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe30, 0xfe4f },
	{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
	{ 0x1f900, 0x1f9ff }, { 0x20000, 0x3fffd },
};

static int
codepoint_columns(uint32_t cp)
{
	/* Combining marks and zero-width characters join the one before. */
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe00 && cp <= 0xfe0f))
		return 0;
	for (size_t i = 0; i < sizeof(wide_ranges) / sizeof(wide_ranges[0]);
	    i++) {
		if (cp >= wide_ranges[i].first && cp <= wide_ranges[i].last)
			return 2;
	}
	return 1;
}

/*
 * The length in bytes of the unit of text at s (a character, or a whole
 * colour sequence) and, in *columns, the room it takes.
 */
static size_t
unit_next(const char *s, size_t n, int *columns)
{
	uint32_t cp;
	size_t i;
	int len;

	if (s[0] == '\033') {
		for (i = 1; i < n && !(s[i] >= '@' && s[i] <= '~' && i > 1);
		    i++)
			;
		*columns = 0;
		return i < n ? i + 1 : n;
	}
	if ((len = utf8_decode((const unsigned char *)s, n, &cp)) == 0) {
		*columns = 1;
		return 1;
	}
	*columns = codepoint_columns(cp);
	return (size_t)len;
}

size_t
textwidth_columns(const char *s)
{
	size_t n = strlen(s), total = 0;
	int columns;

	while (n > 0) {
		size_t len = unit_next(s, n, &columns);

		total += (size_t)columns;
		s += len;
		n -= len;
	}
	return total;
}

/* How many bytes of s fit in `columns' columns, from its start. */
size_t
textwidth_head(const char *s, size_t columns)
{
	size_t n = strlen(s), used = 0, off = 0;
	int c;

	while (off < n) {
		size_t len = unit_next(s + off, n - off, &c);

		if (used + (size_t)c > columns)
			break;
		used += (size_t)c;
		off += len;
	}
	return off;
}

/*
 * Where the longest end of s that fits in `columns' columns begins, as a
 * byte offset.  Walked from the start, because UTF-8 is decoded forwards.
 */
size_t
textwidth_tail(const char *s, size_t columns)
{
	size_t total = textwidth_columns(s), n = strlen(s), off = 0;
	int c;

	while (off < n && total > columns) {
		size_t len = unit_next(s + off, n - off, &c);

		total -= (size_t)c;
		off += len;
	}
	/* Never begin with a combining mark cut from its character. */
	while (off < n) {
		size_t len = unit_next(s + off, n - off, &c);

		if (c != 0 || s[off] == '\033')
			break;
		off += len;
	}
	return off;
}

/*
 * A malloc'ed copy of s that takes at most `columns' columns: s itself
 * when it fits, else s cut with `mark' at its start (keep_end, for a path
 * whose end says most) or at its end.  NULL when out of memory.
 */
char *
textwidth_shorten(const char *s, size_t columns, bool keep_end,
    const char *mark)
{
	size_t mark_columns = textwidth_columns(mark), keep, from, mlen;
	char *out;

	if (textwidth_columns(s) <= columns)
		return strdup(s);
	if (columns <= mark_columns)
		return strdup(columns == mark_columns ? mark : "");
	keep = columns - mark_columns;
	mlen = strlen(mark);
	if ((out = malloc(strlen(s) + mlen + 1)) == NULL)
		return NULL;
	if (keep_end) {
		from = textwidth_tail(s, keep);
		memcpy(out, mark, mlen);
		strcpy(out + mlen, s + from);
	} else {
		from = textwidth_head(s, keep);
		memcpy(out, s, from);
		strcpy(out + from, mark);
	}
	return out;
}
