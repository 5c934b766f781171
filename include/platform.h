/*
 * The platform interface.  One backend implements it per operating system
 * (platform-linux.c, platform-win32.c, platform-unknown.c); the Makefile
 * chooses which.  Functions return 0 or a negative errno value.
 */
#ifndef FDAUDIT_PLATFORM_H
#define FDAUDIT_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

struct process;

/* Set up and tear down whatever the backend needs (caches, libraries). */
int	platform_init(void);
void	platform_fini(void);

/* Every process visible to the caller, as a malloc'ed array of PIDs. */
int	platform_process_list(int **pids, size_t *npids);

/*
 * Read the parts of one process named by `what' (PROCESS_* flags) into
 * `proc', which the caller has zeroed and whose pid is set.  Parts that
 * were read are marked in proc->have.  On failure the first error is
 * returned and also kept in proc->error, with the failing part in
 * proc->error_part; what was read before it stays filled in.
 */
int	platform_process_read(struct process *proc, unsigned what);

/* Whether the terminal's character set is UTF-8 (from the locale). */
bool	platform_output_utf8(void);

/* A short description of a negative errno value, for reports. */
const char *platform_strerror(int error);

#endif /* FDAUDIT_PLATFORM_H */
