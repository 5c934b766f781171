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

/*
 * What the mingw-w64 C library lacks (strndup(3), getline(3), the
 * reentrant time functions); the shims are built only for Windows, which
 * also gets fnmatch.h and sys/wait.h from src/compat/win32.
 */
#ifdef _WIN32
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#ifndef S_IFSOCK
#define S_IFSOCK	0140000
#endif
char		*strndup(const char *, size_t);
struct tm	*localtime_r(const time_t *, struct tm *);
ssize_t		 getline(char **, size_t *, FILE *);
#endif

#endif /* FDAUDIT_COMPAT_H */
