/*
 * The backend for systems fdaudit does not know: every call fails with
 * ENOSYS, so the program builds and says plainly that it cannot work.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"
#include "platform.h"

int
platform_init(void)
{
	return -ENOSYS;
}

void
platform_fini(void)
{
}

int
platform_process_list(int **pids, size_t *npids)
{
	*pids = NULL;
	*npids = 0;
	return -ENOSYS;
}

int
platform_process_read(struct process *proc, unsigned what)
{
	/* The owner is as unknown as the rest. */
	if ((what & PROCESS_SERVICE) && (proc->unit = strdup("unknown")) !=
	    NULL)
		proc->have |= PROCESS_SERVICE;
	proc->error = -ENOSYS;
	proc->error_part = PROCESS_IDENTITY;
	return -ENOSYS;
}

int
platform_processes_read(struct process *procs, size_t n, unsigned what)
{
	for (size_t i = 0; i < n; i++)
		(void)platform_process_read(&procs[i], what);
	return 0;
}

int
platform_peers_read(struct process *procs, size_t n)
{
	(void)procs;
	(void)n;
	return -ENOSYS;
}

int
platform_system_read(struct system_info *sys)
{
	sys->have = false;
	return -ENOSYS;
}

const char *
platform_privilege_hint(void)
{
	return NULL;
}

const char *
platform_strerror(int error)
{
	if (error == -ENOSYS)
		return "this operating system is not supported";
	if (error == -PLATFORM_ENOTREG)
		return "not a regular file";
	return strerror(-error);
}

bool
platform_processes_hidden(void)
{
	return false;
}

size_t
platform_command_max(void)
{
	return 0;
}

int
platform_user_find(const char *name)
{
	(void)name;
	return -ENOSYS;
}

int
platform_thread_group(int pid, int *process)
{
	*process = pid;
	return -ENOSYS;
}

int
platform_holders_find(const struct hold_query *q, struct report *report)
{
	(void)q;
	(void)report;
	return -ENOSYS;
}
