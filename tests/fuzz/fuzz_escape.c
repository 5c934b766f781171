/*
 * libFuzzer harness for the escaping of untrusted text.  Any bytes (up to
 * the first NUL, as the writers take C strings) must:
 *   - go through json_string as valid UTF-8 JSON that the strict reader
 *     of the tests decodes back to exactly those bytes (\udcXX escapes
 *     stand for the raw bytes 0x80 to 0xff);
 *   - come out of escape_terminal without a control byte (below 0x20, or
 *     0x7f), and as plain ASCII when the terminal takes no UTF-8;
 *   - come out of escape_prometheus as valid UTF-8 with no raw newline and
 *     every quote escaped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"
#include "jsonparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static bool
valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (n > 0) {
		int len = utf8_decode(p, n, &cp);

		if (len == 0)
			return false;
		p += len;
		n -= (size_t)len;
	}
	return true;
}

static void
check_json(const char *input, bool pretty)
{
	struct json_writer w;
	struct jv *v;
	const char *error = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if ((out = open_memstream(&text, &len)) == NULL)
		abort();
	json_init(&w, out, pretty);
	json_array_begin(&w);
	json_string(&w, input);
	json_array_end(&w);
	if (fclose(out) != 0)
		abort();
	if (!valid_utf8(text, len))
		abort();
	if ((v = jv_parse(text, len, &error)) == NULL)
		abort();
	if (v->type != JV_ARRAY || v->count != 1 ||
	    v->items[0].type != JV_STRING ||
	    v->items[0].length != strlen(input) ||
	    memcmp(v->items[0].string, input, v->items[0].length) != 0)
		abort();
	jv_free(v);
	free(text);
}

static void
check_terminal(const char *input, bool utf8)
{
	char *out;

	escape_set_utf8(utf8);
	if ((out = escape_terminal(input)) == NULL)
		return;
	for (const unsigned char *p = (unsigned char *)out; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || (!utf8 && *p >= 0x80))
			abort();
	}
	if (utf8 && !valid_utf8(out, strlen(out)))
		abort();
	free(out);
}

static void
check_prometheus(const char *input)
{
	char *out;
	size_t len;

	if ((out = escape_prometheus(input)) == NULL)
		return;
	len = strlen(out);
	if (!valid_utf8(out, len))
		abort();
	for (size_t i = 0; i < len; i++) {
		if (out[i] == '\n' || out[i] == '"')
			abort();
		if (out[i] == '\\' && ++i == len)
			abort();
	}
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input;

	if ((input = strndup((const char *)data, size)) == NULL)
		return 0;
	check_json(input, false);
	check_json(input, true);
	check_terminal(input, true);
	check_terminal(input, false);
	check_prometheus(input);
	escape_set_utf8(true);
	free(input);
	return 0;
}
