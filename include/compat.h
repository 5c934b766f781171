/*
 * The one place that knows where the BSD functions come from.  On Linux
 * they come from libbsd through its overlay headers (pkg-config
 * libbsd-overlay); elsewhere from src/compat/ when HAVE_LIBBSD is unset.
 */
#ifndef FDAUDIT_COMPAT_H
#define FDAUDIT_COMPAT_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifndef HAVE_LIBBSD
long long	 strtonum(const char *, long long, long long, const char **);
size_t		 strlcpy(char *, const char *, size_t);
size_t		 strlcat(char *, const char *, size_t);
void		*reallocarray(void *, size_t, size_t);
#endif

#endif /* FDAUDIT_COMPAT_H */
