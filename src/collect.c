/*
 * Collection: ask the platform layer for the processes a report needs.
 * Named PIDs keep their order and every failure; --all skips kernel
 * threads and processes that exit while it runs, and keeps the ones it
 * may not read in a list for the footer; those whose count and limits
 * were read stay in the report as well.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

/* Only the errors that mean "exists, but hidden from us" are reported. */
static bool
error_is_denial(int error)
{
	return error == -EACCES || error == -EPERM;
}

int
collect_pids(struct report *report, const int *pids, size_t npids,
    unsigned what)
{
	report->processes = calloc(npids, sizeof(*report->processes));
	if (report->processes == NULL)
		return -ENOMEM;
	report->nprocesses = npids;
	for (size_t i = 0; i < npids; i++) {
		struct process *proc = &report->processes[i];

		proc->pid = pids[i];
		proc->highest_fd = -1;
		(void)platform_process_read(proc, what);
	}
	return 0;
}

/*
 * -C: a glob matches as fnmatch(3) says, any other name as a prefix of
 * the command name.  A system that cuts command names short (Linux keeps
 * 15 bytes) is matched on what it kept of a longer name.
 */
bool
collect_command_match(const char *pattern, const char *command)
{
	size_t max = platform_command_max(), len = strlen(pattern);

	if (strpbrk(pattern, "*?[") != NULL)
		return fnmatch(pattern, command, 0) == 0;
	if (strncmp(pattern, command, len) == 0)
		return true;
	return max > 0 && len > max && strlen(command) == max &&
	    strncmp(pattern, command, max) == 0;
}

static bool
filter_match(const struct collect_filter *f, const struct process *proc)
{
	char uid[24];

	if (f->command != NULL && (proc->command == NULL ||
	    !collect_command_match(f->command, proc->command)))
		return false;
	if (f->user == NULL)
		return true;
	snprintf(uid, sizeof(uid), "%ld", proc->uid);
	return (proc->user != NULL && strcmp(f->user, proc->user) == 0) ||
	    strcmp(f->user, uid) == 0;
}

/*
 * Name a process in the list of those that could not be read.  One that
 * stays in the report (`counted') keeps its command name; the list has
 * a copy of it.
 */
static int
unreadable_add(struct report *report, struct process *proc, bool counted)
{
	struct unreadable *grown, *u;

	grown = reallocarray(report->unreadable, report->nunreadable + 1,
	    sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	report->unreadable = grown;
	u = &grown[report->nunreadable];
	u->pid = proc->pid;
	u->error = proc->error;
	u->counted = counted;
	u->command = proc->command;
	if (counted && proc->command != NULL &&
	    (u->command = strdup(proc->command)) == NULL)
		return -ENOMEM;
	if (!counted)
		proc->command = NULL;
	report->nunreadable++;
	return 0;
}

/*
 * Whether a process read for --all is kept: 1 to keep it, 0 to drop it,
 * or a negative errno value for a failure of fdaudit itself.
 */
static int
collect_keep(struct report *report, const struct collect_filter *f,
    struct process *proc)
{
	int error = proc->error;

	/* Identity comes first: without it there is nothing to name. */
	if (!(proc->have & PROCESS_IDENTITY)) {
		if (!error_is_denial(error) || f->command != NULL ||
		    f->user != NULL)
			return error == -ENOMEM ? error : 0;
		report->examined++;
		return unreadable_add(report, proc, false) == 0 ? 0 : -ENOMEM;
	}
	if (proc->kernel_thread || !filter_match(f, proc))
		return 0;
	report->examined++;
	if (error == 0)
		return 1;
	if (error == -ENOMEM)
		return error;
	/* Gone meanwhile: nothing to report. */
	if (!error_is_denial(error))
		return 0;
	/*
	 * A refused descriptor table leaves the count and the limits,
	 * which say whether the process is near its limit: it is reported
	 * and judged by them, and named among the unreadable too.
	 */
	if (process_shown(proc))
		return unreadable_add(report, proc, true) == 0 ? 1 : -ENOMEM;
	return unreadable_add(report, proc, false) == 0 ? 0 : -ENOMEM;
}

int
collect_all(struct report *report, const struct collect_filter *f,
    unsigned what)
{
	struct process *procs;
	size_t npids, n = 0;
	int *pids, error;

	if ((error = platform_process_list(&pids, &npids)) != 0)
		return error;
	if ((procs = calloc(npids > 0 ? npids : 1, sizeof(*procs))) == NULL) {
		free(pids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < npids; i++) {
		procs[i].pid = pids[i];
		procs[i].highest_fd = -1;
	}
	free(pids);
	/* Kernel threads are left out below: they need not be read. */
	error = platform_processes_read(procs, npids,
	    what | PROCESS_SKIP_KERNEL);
	report->others_hidden = platform_processes_hidden();
	for (size_t i = 0; i < npids; i++) {
		int keep = error == 0 ? collect_keep(report, f, &procs[i]) : 0;

		if (keep == 1)
			procs[n++] = procs[i];
		else
			process_free(&procs[i]);
		if (keep < 0)
			error = keep;
	}
	report->processes = procs;
	report->nprocesses = n;
	return error < 0 ? error : 0;
}
