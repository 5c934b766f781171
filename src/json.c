/*
 * A small streaming JSON writer.  Strings are written as valid UTF-8
 * whatever bytes they hold: a byte that is not part of a well-formed UTF-8
 * sequence is written as the escape \udcXX (XX its value, 80 to ff), the
 * "surrogateescape" convention of PEP 383, so the original bytes can be
 * recovered exactly (Python: os.fsencode of the decoded string).  Control
 * characters, C1 controls and bidirectional overrides are written as \u
 * escapes so the document is also safe to print on a terminal.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"

/* Containers up to this depth put each element on a line of its own. */
#define JSON_PRETTY_DEPTH 4

void
json_init(struct json_writer *w, FILE *out, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->pretty = pretty;
}

static void
json_newline(struct json_writer *w)
{
	if (!w->pretty || w->depth > JSON_PRETTY_DEPTH)
		return;
	putc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* Separator and indentation before a value or a key. */
static void
json_element(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->need_comma[w->depth])
		putc(',', w->out);
	if (w->depth > JSON_PRETTY_DEPTH && w->need_comma[w->depth])
		putc(' ', w->out);
	w->need_comma[w->depth] = true;
	json_newline(w);
}

static void
json_open(struct json_writer *w, int ch)
{
	json_element(w);
	putc(ch, w->out);
	if (w->depth + 1 < (int)(sizeof(w->need_comma) /
	    sizeof(w->need_comma[0])))
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void
json_close(struct json_writer *w, int ch)
{
	bool had = w->need_comma[w->depth];

	w->depth--;
	if (had)
		json_newline(w);
	putc(ch, w->out);
	if (w->depth == 0 && w->pretty)
		putc('\n', w->out);
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
	json_element(w);
	json_write_string(w->out, key);
	fputs(w->depth > JSON_PRETTY_DEPTH || !w->pretty ? ":" : ": ",
	    w->out);
	w->after_key = true;
}

void
json_string(struct json_writer *w, const char *s)
{
	json_element(w);
	if (s == NULL)
		fputs("null", w->out);
	else
		json_write_string(w->out, s);
}

void
json_uint(struct json_writer *w, uint64_t v)
{
	json_element(w);
	fprintf(w->out, "%" PRIu64, v);
}

void
json_int(struct json_writer *w, int64_t v)
{
	json_element(w);
	fprintf(w->out, "%" PRId64, v);
}

void
json_double(struct json_writer *w, double v)
{
	json_element(w);
	if (isfinite(v))
		fprintf(w->out, "%.4f", v);
	else
		fputs("null", w->out);
}

void
json_bool(struct json_writer *w, bool v)
{
	json_element(w);
	fputs(v ? "true" : "false", w->out);
}

void
json_null(struct json_writer *w)
{
	json_element(w);
	fputs("null", w->out);
}

static void
json_write_escape(FILE *out, uint32_t unit)
{
	fprintf(out, "\\u%04" PRIx32, unit);
}

void
json_write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	putc('"', out);
	while (n > 0) {
		uint32_t cp;
		int len = utf8_decode(p, n, &cp);

		if (len == 0) {
			json_write_escape(out, 0xdc00u | *p);
			len = 1;
		} else if (cp == '"' || cp == '\\') {
			putc('\\', out);
			putc((int)cp, out);
		} else if (cp == '\n') {
			fputs("\\n", out);
		} else if (cp == '\t') {
			fputs("\\t", out);
		} else if (cp == '\r') {
			fputs("\\r", out);
		} else if (escape_is_control(cp)) {
			json_write_escape(out, cp);
		} else {
			fwrite(p, 1, (size_t)len, out);
		}
		p += len;
		n -= (size_t)len;
	}
	putc('"', out);
}
