/*
 * The wait status macros for mingw-w64, for code that decodes a status
 * in the POSIX layout (low 7 bits: signal; next 8: exit code).  Windows
 * processes never end by a signal, so a status built from an exit code
 * is always "exited".
 */
#ifndef FDAUDIT_COMPAT_SYS_WAIT_H
#define FDAUDIT_COMPAT_SYS_WAIT_H

#define WTERMSIG(s)	((s) & 0x7f)
#define WIFEXITED(s)	(WTERMSIG(s) == 0)
#define WEXITSTATUS(s)	(((s) >> 8) & 0xff)
#define WIFSIGNALED(s)	(WTERMSIG(s) != 0 && WTERMSIG(s) != 0x7f)

#endif /* FDAUDIT_COMPAT_SYS_WAIT_H */
