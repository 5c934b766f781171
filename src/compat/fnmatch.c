/*
 * fnmatch(3) for C libraries without it (mingw-w64): '*', '?', bracket
 * expressions with ranges and '!' or '^', and backslash escapes unless
 * FNM_NOESCAPE.  FNM_PATHNAME keeps wildcards from matching '/'.
 */
#include <stdbool.h>
#include <string.h>

#include "fnmatch.h"

/*
 * Match one bracket expression at *pattern against c; on return
 * *pattern is past its ']'.  An unclosed bracket is an ordinary '['.
 */
static bool
bracket_match(const char **pattern, char c, int flags)
{
	const char *p = *pattern + 1;
	bool negate = false, match = false;

	if (*p == '!' || *p == '^') {
		negate = true;
		p++;
	}
	for (bool first = true; first || *p != ']'; first = false) {
		char lo, hi;

		if (*p == '\0')
			return (*pattern)++, c == '[';
		if (*p == '\\' && !(flags & FNM_NOESCAPE) && p[1] != '\0')
			p++;
		lo = hi = *p++;
		if (*p == '-' && p[1] != ']' && p[1] != '\0') {
			p++;
			if (*p == '\\' && !(flags & FNM_NOESCAPE) &&
			    p[1] != '\0')
				p++;
			hi = *p++;
		}
		if ((unsigned char)c >= (unsigned char)lo &&
		    (unsigned char)c <= (unsigned char)hi)
			match = true;
	}
	*pattern = p + 1;
	return match != negate;
}

int
fnmatch(const char *pattern, const char *string, int flags)
{
	const char *star = NULL, *resume = NULL;
	const char *p = pattern, *s = string;

	while (*s != '\0') {
		const char *next = p;
		bool ok = false;

		if (*p == '*') {
			star = ++p;
			resume = s;
			continue;
		}
		if (*s == '/' && (flags & FNM_PATHNAME))
			ok = *p == '/' && (next = p + 1);
		else if (*p == '?')
			ok = (next = p + 1);
		else if (*p == '[')
			ok = bracket_match(&next, *s, flags);
		else if (*p == '\\' && !(flags & FNM_NOESCAPE) && p[1] != '\0')
			ok = p[1] == *s && (next = p + 2);
		else
			ok = *p != '\0' && *p == *s && (next = p + 1);
		if (ok) {
			p = next;
			s++;
			continue;
		}
		/* Backtrack: let the last star take one more character. */
		if (star == NULL || (*resume == '/' && (flags & FNM_PATHNAME)))
			return FNM_NOMATCH;
		p = star;
		s = ++resume;
	}
	while (*p == '*')
		p++;
	return *p == '\0' ? 0 : FNM_NOMATCH;
}
