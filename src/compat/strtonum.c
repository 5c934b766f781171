/*
 * strtonum(3) for systems without libbsd: a decimal number within
 * [minval, maxval], with a short reason in *errstr when it is not one.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "compat.h"

long long
strtonum(const char *s, long long minval, long long maxval,
    const char **errstr)
{
	long long v = 0;
	char *end;

	*errstr = NULL;
	if (minval > maxval) {
		*errstr = "invalid";
		errno = EINVAL;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0') {
		*errstr = "invalid";
		errno = EINVAL;
		return 0;
	}
	if ((v == LLONG_MIN && errno == ERANGE) || v < minval) {
		*errstr = "too small";
		errno = ERANGE;
		return 0;
	}
	if ((v == LLONG_MAX && errno == ERANGE) || v > maxval) {
		*errstr = "too large";
		errno = ERANGE;
		return 0;
	}
	return v;
}
