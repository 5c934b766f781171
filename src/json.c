/*
 * A small streaming JSON writer.  Strings are written as valid UTF-8
 * whatever bytes they hold: a byte that is not part of a well-formed UTF-8
 * sequence is written as the escape \udcXX (XX its value, 80 to ff), the
 * "surrogateescape" convention of PEP 383, so the original bytes can be
 * recovered exactly (Python: os.fsencode of the decoded string).  Control
 * characters, C1 controls and bidirectional overrides are written as \u
 * escapes so the document is also safe to print on a terminal.
 *
 * The text is gathered in the writer's own buffer and handed to stdio
 * when the buffer is full and when the document ends.  A report of many
 * thousand descriptors makes a hundred thousand writer calls, and a stdio
 * call for each of them cost more than everything else the writer does.
 * So the stream holds the whole document only once the outermost
 * container is closed.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"

/* Containers up to this depth put each element on a line of its own. */
#define JSON_PRETTY_DEPTH 4

static void
text_flush(struct json_text *t)
{
	if (t->len > 0)
		fwrite(t->buf, 1, t->len, t->out);
	t->len = 0;
}

static void
text_add(struct json_text *t, const void *p, size_t n)
{
	const char *from = p;
	char *to;

	if (t->len + n > sizeof(t->buf)) {
		text_flush(t);
		if (n > sizeof(t->buf)) {
			fwrite(p, 1, n, t->out);
			return;
		}
	}
	to = t->buf + t->len;
	t->len += n;
	/* Most pieces are a few bytes, for which a call to memcpy costs more. */
	if (n > 16)
		memcpy(to, from, n);
	else {
		while (n-- > 0)
			*to++ = *from++;
	}
}

static void
text_add_str(struct json_text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

static void
text_add_escape(struct json_text *t, uint32_t unit)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', hex[(unit >> 12) & 0xf],
	    hex[(unit >> 8) & 0xf], hex[(unit >> 4) & 0xf], hex[unit & 0xf] };

	text_add(t, e, sizeof(e));
}

/* Printable ASCII other than the quote and the backslash goes as it is. */
static bool
json_plain(unsigned char ch)
{
	return ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\';
}

/* Add the character at p, which is not plain; returns its length. */
static size_t
text_add_special(struct json_text *t, const unsigned char *p, size_t n)
{
	uint32_t cp;
	int len = utf8_decode(p, n, &cp);

	if (len == 0) {
		text_add_escape(t, 0xdc00u | *p);
		len = 1;
	} else if (cp == '"')
		text_add_str(t, "\\\"");
	else if (cp == '\\')
		text_add_str(t, "\\\\");
	else if (cp == '\n')
		text_add_str(t, "\\n");
	else if (cp == '\t')
		text_add_str(t, "\\t");
	else if (cp == '\r')
		text_add_str(t, "\\r");
	else if (escape_is_control(cp))
		text_add_escape(t, cp);
	else
		text_add(t, p, (size_t)len);
	return (size_t)len;
}

/*
 * A quoted string.  Plain characters, nearly all of a path or a key, are
 * copied as they are scanned; utf8_decode needs no more than 4 bytes.
 */
static void
text_add_string(struct json_text *t, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	text_add(t, "\"", 1);
	for (;;) {
		while (json_plain(*p) && t->len < sizeof(t->buf))
			t->buf[t->len++] = (char)*p++;
		if (*p == '\0')
			break;
		if (json_plain(*p))
			text_flush(t);
		else
			p += text_add_special(t, p, strnlen((const char *)p,
			    4));
	}
	text_add(t, "\"", 1);
}

/* Numbers are formatted here: printf's parsing of its format costs more. */
static void
text_add_uint(struct json_text *t, uint64_t v)
{
	char buf[20], *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	text_add(t, p, (size_t)(buf + sizeof(buf) - p));
}

void
json_init(struct json_writer *w, FILE *out, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->text.out = out;
	w->pretty = pretty;
}

static void
json_newline(struct json_writer *w, struct json_text *t)
{
	static const char indent[] = "\n        ";

	_Static_assert(sizeof(indent) - 2 >= 2 * JSON_PRETTY_DEPTH,
	    "indent holds every pretty-printed level");
	if (!w->pretty || w->depth > JSON_PRETTY_DEPTH)
		return;
	text_add(t, indent, 1 + 2 * (size_t)w->depth);
}

/* The text of a value or a key, begun with its separator and indentation. */
static struct json_text *
json_element(struct json_writer *w)
{
	struct json_text *t = &w->text;

	if (w->after_key) {
		w->after_key = false;
		return t;
	}
	if (w->depth == 0)
		return t;
	if (w->need_comma[w->depth])
		text_add_str(t, w->depth > JSON_PRETTY_DEPTH ? ", " : ",");
	w->need_comma[w->depth] = true;
	json_newline(w, t);
	return t;
}

/* The document is complete when the outermost container closes. */
static void
json_done(const struct json_writer *w, struct json_text *t)
{
	if (w->depth == 0)
		text_flush(t);
}

static void
json_open(struct json_writer *w, char ch)
{
	struct json_text *t = json_element(w);

	text_add(t, &ch, 1);
	if (w->depth + 1 < (int)(sizeof(w->need_comma) /
	    sizeof(w->need_comma[0])))
		w->depth++;
	w->need_comma[w->depth] = false;
	json_done(w, t);
}

static void
json_close(struct json_writer *w, char ch)
{
	struct json_text *t = &w->text;
	bool had = w->need_comma[w->depth];

	w->depth--;
	if (had)
		json_newline(w, t);
	text_add(t, &ch, 1);
	if (w->depth == 0 && w->pretty)
		text_add(t, "\n", 1);
	json_done(w, t);
}

void
json_object_begin(struct json_writer *w)
{
	json_open(w, '{');
}

void
json_object_end(struct json_writer *w)
{
	json_close(w, '}');
}

void
json_array_begin(struct json_writer *w)
{
	json_open(w, '[');
}

void
json_array_end(struct json_writer *w)
{
	json_close(w, ']');
}

void
json_key(struct json_writer *w, const char *key)
{
	struct json_text *t = json_element(w);

	text_add_string(t, key);
	text_add_str(t, w->depth > JSON_PRETTY_DEPTH || !w->pretty ?
	    ":" : ": ");
	w->after_key = true;
	json_done(w, t);
}

void
json_string(struct json_writer *w, const char *s)
{
	struct json_text *t = json_element(w);

	if (s == NULL)
		text_add_str(t, "null");
	else
		text_add_string(t, s);
	json_done(w, t);
}

void
json_uint(struct json_writer *w, uint64_t v)
{
	struct json_text *t = json_element(w);

	text_add_uint(t, v);
	json_done(w, t);
}

void
json_int(struct json_writer *w, int64_t v)
{
	struct json_text *t = json_element(w);

	if (v < 0) {
		text_add(t, "-", 1);
		text_add_uint(t, 0 - (uint64_t)v);
	} else
		text_add_uint(t, (uint64_t)v);
	json_done(w, t);
}

void
json_double(struct json_writer *w, double v)
{
	struct json_text *t = json_element(w);
	char num[64];
	int len;

	if (!isfinite(v))
		text_add_str(t, "null");
	else if ((len = snprintf(num, sizeof(num), "%.4f", v)) >= 0 &&
	    (size_t)len < sizeof(num))
		text_add(t, num, (size_t)len);
	else {
		text_flush(t);
		fprintf(w->out, "%.4f", v);
	}
	json_done(w, t);
}

void
json_bool(struct json_writer *w, bool v)
{
	struct json_text *t = json_element(w);

	text_add_str(t, v ? "true" : "false");
	json_done(w, t);
}

void
json_null(struct json_writer *w)
{
	struct json_text *t = json_element(w);

	text_add_str(t, "null");
	json_done(w, t);
}
