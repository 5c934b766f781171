/*
 * fnmatch(3) for mingw-w64, which has none: an overlay header on the
 * include path of the Windows build only, like libbsd's overlay on Linux.
 */
#ifndef FDAUDIT_COMPAT_FNMATCH_H
#define FDAUDIT_COMPAT_FNMATCH_H

#define FNM_NOMATCH	1
#define FNM_NOESCAPE	0x02
#define FNM_PATHNAME	0x01
#define FNM_PERIOD	0x04

int	fnmatch(const char *, const char *, int);

#endif /* FDAUDIT_COMPAT_FNMATCH_H */
