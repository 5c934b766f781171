/*
 * The strict JSON reader of the tests (see jsonparse.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"
#include "jsonparse.h"

#define JV_MAX_DEPTH 64

struct reader {
	const char	*p;
	const char	*end;
	const char	*error;
	int		 depth;
};

static bool parse_value(struct reader *, struct jv *);

static void
skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool
fail(struct reader *r, const char *why)
{
	if (r->error == NULL)
		r->error = why;
	return false;
}

static bool
literal(struct reader *r, const char *word)
{
	size_t len = strlen(word);

	if ((size_t)(r->end - r->p) < len || memcmp(r->p, word, len) != 0)
		return fail(r, "bad literal");
	r->p += len;
	return true;
}

static int
hex4(struct reader *r, uint32_t *unit)
{
	*unit = 0;
	if (r->end - r->p < 4)
		return fail(r, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = *r->p++;

		*unit <<= 4;
		if (c >= '0' && c <= '9')
			*unit |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*unit |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*unit |= (uint32_t)(c - 'A' + 10);
		else
			return fail(r, "bad \\u escape");
	}
	return true;
}

static size_t
utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static bool
parse_escape(struct reader *r, char *out, size_t *o)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	uint32_t unit, low;

	if (r->p >= r->end)
		return fail(r, "short escape");
	if (*r->p != 'u') {
		if ((hit = strchr(from, *r->p)) == NULL || *r->p == '\0')
			return fail(r, "bad escape");
		out[(*o)++] = to[hit - from];
		r->p++;
		return true;
	}
	r->p++;
	if (!hex4(r, &unit))
		return false;
	if (unit >= 0xdc80 && unit <= 0xdcff) {
		out[(*o)++] = (char)(unit & 0xff);	/* an escaped byte */
		return true;
	}
	if (unit >= 0xd800 && unit <= 0xdbff) {
		if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
			return fail(r, "lone high surrogate");
		r->p += 2;
		if (!hex4(r, &low) || low < 0xdc00 || low > 0xdfff)
			return fail(r, "bad low surrogate");
		unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
	} else if (unit >= 0xdc00 && unit <= 0xdfff)
		return fail(r, "lone low surrogate");
	*o += utf8_put(out + *o, unit);
	return true;
}

static bool
parse_string(struct reader *r, char **s, size_t *length)
{
	const char *q;
	char *out;
	size_t o = 0;
	r->p++;
	/* Decoding never makes a string longer than its source text. */
	for (q = r->p; q < r->end && *q != '"'; q++) {
		if (*q == '\\' && q + 1 < r->end)
			q++;
	}
	if ((out = malloc((size_t)(q - r->p) + 4)) == NULL)
		return fail(r, "out of memory");
	while (r->p < r->end && *r->p != '"') {
		uint32_t cp;
		int len;

		if ((unsigned char)*r->p < 0x20) {
			free(out);
			return fail(r, "raw control character in string");
		}
		if (*r->p == '\\') {
			r->p++;
			if (!parse_escape(r, out, &o)) {
				free(out);
				return false;
			}
			continue;
		}
		len = utf8_decode((const unsigned char *)r->p,
		    (size_t)(r->end - r->p), &cp);
		if (len == 0) {
			free(out);
			return fail(r, "invalid UTF-8 in string");
		}
		memcpy(out + o, r->p, (size_t)len);
		o += (size_t)len;
		r->p += len;
	}
	if (r->p >= r->end) {
		free(out);
		return fail(r, "unterminated string");
	}
	r->p++;
	out[o] = '\0';
	*s = out;
	*length = o;
	return true;
}

static bool
parse_number(struct reader *r, struct jv *v)
{
	const char *start = r->p;
	char buf[64];

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return fail(r, "bad number");
	if (*r->p == '0' && r->p + 1 < r->end && r->p[1] >= '0' &&
	    r->p[1] <= '9')
		return fail(r, "leading zero");
	while (r->p < r->end && strchr("0123456789.eE+-", *r->p) != NULL &&
	    *r->p != '\0')
		r->p++;
	if ((size_t)(r->p - start) >= sizeof(buf))
		return fail(r, "number too long");
	memcpy(buf, start, (size_t)(r->p - start));
	buf[r->p - start] = '\0';
	v->type = JV_NUMBER;
	v->number = strtod(buf, NULL);
	return true;
}

static bool
append_item(struct reader *r, struct jv *v, char *key)
{
	struct jv *items;
	char **keys;

	items = realloc(v->items, (v->count + 1) * sizeof(*items));
	if (items == NULL)
		return fail(r, "out of memory");
	v->items = items;
	memset(&v->items[v->count], 0, sizeof(v->items[0]));
	if (v->type == JV_OBJECT) {
		keys = realloc(v->keys, (v->count + 1) * sizeof(*keys));
		if (keys == NULL)
			return fail(r, "out of memory");
		v->keys = keys;
		v->keys[v->count] = key;
	}
	v->count++;
	return parse_value(r, &v->items[v->count - 1]);
}

static bool
parse_container(struct reader *r, struct jv *v, char close)
{
	char *key = NULL;
	size_t klen;

	if (++r->depth > JV_MAX_DEPTH)
		return fail(r, "too deep");
	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		r->depth--;
		return true;
	}
	for (;;) {
		skip_space(r);
		if (v->type == JV_OBJECT) {
			if (r->p >= r->end || *r->p != '"' ||
			    !parse_string(r, &key, &klen))
				return fail(r, "bad key");
			skip_space(r);
			if (r->p >= r->end || *r->p != ':') {
				free(key);
				return fail(r, "missing colon");
			}
			r->p++;
		}
		if (!append_item(r, v, key))
			return false;
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			r->depth--;
			return true;
		}
		return fail(r, "missing comma or close");
	}
}

static bool
parse_value(struct reader *r, struct jv *v)
{
	skip_space(r);
	if (r->p >= r->end)
		return fail(r, "unexpected end");
	switch (*r->p) {
	case '{':
		v->type = JV_OBJECT;
		return parse_container(r, v, '}');
	case '[':
		v->type = JV_ARRAY;
		return parse_container(r, v, ']');
	case '"':
		v->type = JV_STRING;
		return parse_string(r, &v->string, &v->length);
	case 't':
		v->type = JV_BOOL;
		v->boolean = true;
		return literal(r, "true");
	case 'f':
		v->type = JV_BOOL;
		return literal(r, "false");
	case 'n':
		v->type = JV_NULL;
		return literal(r, "null");
	default:
		return parse_number(r, v);
	}
}

static void
jv_clear(struct jv *v)
{
	for (size_t i = 0; i < v->count; i++) {
		jv_clear(&v->items[i]);
		if (v->keys != NULL)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->string);
}

struct jv *
jv_parse(const char *text, size_t len, const char **error)
{
	struct reader r = { text, text + len, NULL, 0 };
	struct jv *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	if (parse_value(&r, v)) {
		skip_space(&r);
		if (r.p == r.end)
			return v;
		fail(&r, "text after the document");
	}
	if (error != NULL)
		*error = r.error;
	jv_free(v);
	return NULL;
}

void
jv_free(struct jv *v)
{
	if (v == NULL)
		return;
	jv_clear(v);
	free(v);
}

const struct jv *
jv_get(const struct jv *v, const char *key)
{
	if (v == NULL || v->type != JV_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->count; i++) {
		if (strcmp(v->keys[i], key) == 0)
			return &v->items[i];
	}
	return NULL;
}

const struct jv *
jv_at(const struct jv *v, size_t i)
{
	if (v == NULL || v->type != JV_ARRAY || i >= v->count)
		return NULL;
	return &v->items[i];
}

/* The string member `key', or NULL when absent or not a string. */
const char *
jv_str(const struct jv *v, const char *key)
{
	const struct jv *m = jv_get(v, key);

	return m != NULL && m->type == JV_STRING ? m->string : NULL;
}

/* The number member `key', or NaN when absent or not a number. */
double
jv_num(const struct jv *v, const char *key)
{
	const struct jv *m = jv_get(v, key);

	return m != NULL && m->type == JV_NUMBER ? m->number : NAN;
}

bool
jv_is(const struct jv *v, const char *key, enum jv_type type)
{
	const struct jv *m = jv_get(v, key);

	return m != NULL && m->type == type;
}
