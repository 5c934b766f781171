/*
 * Escaping of untrusted text (paths, command names, socket names) for the
 * terminal.  libbsd's vis(3) passes bytes above 0x7f through unchecked, so
 * a name could still carry a C1 control or a bidirectional override to the
 * terminal; this module decodes UTF-8 itself and escapes what is not a
 * printable character.
 */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"

static bool utf8_output = true;

/* Whether the terminal takes UTF-8; otherwise all non-ASCII is escaped. */
void
escape_set_utf8(bool utf8)
{
	utf8_output = utf8;
}

bool
escape_utf8_output(void)
{
	return utf8_output;
}

/*
 * The length of the well-formed UTF-8 sequence at s (at most n bytes), or
 * 0 if it is not one: overlong forms, surrogates and values above
 * U+10FFFF are rejected as RFC 3629 requires.  *cp gets the code point.
 */
int
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	int len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if ((size_t)len > n)
		return 0;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

/*
 * Characters that are valid but must not reach a terminal raw: C0 and C1
 * controls, DEL, and the bidirectional overrides and isolates that can
 * make a name display as something it is not.
 */
bool
escape_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

static size_t
escape_byte(char *out, unsigned char ch)
{
	static const char hex[] = "0123456789abcdef";

	switch (ch) {
	case '\n':
		memcpy(out, "\\n", 2);
		return 2;
	case '\t':
		memcpy(out, "\\t", 2);
		return 2;
	case '\r':
		memcpy(out, "\\r", 2);
		return 2;
	case '\\':
		memcpy(out, "\\\\", 2);
		return 2;
	default:
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[ch >> 4];
		out[3] = hex[ch & 0xf];
		return 4;
	}
}

/*
 * A malloc'ed copy of `s' that is safe to print on a terminal: printable
 * UTF-8 as it is, "\\" for a backslash, C escapes for newline, tab and
 * carriage return, and "\xHH" for every other byte of a control character
 * or of an invalid sequence.  Returns NULL only when out of memory.
 */
char *
escape_terminal(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0;
	char *out;

	if ((out = malloc(n * 4 + 1)) == NULL)
		return NULL;
	while (n > 0) {
		uint32_t cp;
		int len = utf8_decode(p, n, &cp);

		if (len == 1 && cp != '\\' && !escape_is_control(cp)) {
			out[o++] = (char)*p;
		} else if (len > 1 && utf8_output &&
		    !escape_is_control(cp)) {
			memcpy(out + o, p, (size_t)len);
			o += (size_t)len;
		} else {
			if (len == 0)
				len = 1;
			for (int i = 0; i < len; i++)
				o += escape_byte(out + o, p[i]);
		}
		p += len;
		n -= (size_t)len;
	}
	out[o] = '\0';
	return out;
}

/*
 * A label value for the Prometheus text format, which defines only the
 * escapes \\, \" and \n and requires UTF-8: other control characters
 * and bytes that are not UTF-8 become U+FFFD.  The value is for people
 * and dashboards; the JSON output is the lossless one.
 */
char *
escape_prometheus(const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0;
	char *out;

	if ((out = malloc(n * 3 + 1)) == NULL)
		return NULL;
	while (n > 0) {
		uint32_t cp;
		int len = utf8_decode(p, n, &cp);

		if (len == 1 && (cp == '\\' || cp == '"')) {
			out[o++] = '\\';
			out[o++] = (char)cp;
		} else if (len == 1 && cp == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (len == 0 || escape_is_control(cp)) {
			memcpy(out + o, replacement, 3);
			o += 3;
			if (len == 0)
				len = 1;
		} else {
			memcpy(out + o, p, (size_t)len);
			o += (size_t)len;
		}
		p += len;
		n -= (size_t)len;
	}
	out[o] = '\0';
	return out;
}

/*
 * A word safe anywhere in a monitoring plugin's line: in its text, where
 * "|" would start the performance data, and in a quoted perfdata label,
 * where quotes and "=" are special.  Letters, digits, "_", "." and "-"
 * are kept; every other byte becomes "_".
 */
char *
escape_nagios_label(const char *s)
{
	char *out = strdup(s);

	if (out == NULL)
		return NULL;
	for (char *p = out; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		    *p == '-'))
			*p = '_';
	}
	return out;
}
