/*
 * The snapshot API of include/fdaudit_snapshot.h: the calling process's
 * own table, read through the platform layer like any other, and the
 * difference between two of them.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"
#include "fdaudit_snapshot.h"
#include "platform.h"

struct fdaudit_snapshot {
	struct process	 proc;
};

/*
 * The caller is a test suite, not fdaudit's main: the platform layer is
 * set up by the first read, whatever the number of threads taking
 * snapshots, and left for the process's exit to end.  On Windows it
 * resolves the ntdll functions every read goes through.
 */
static bool platform_ready;
static int platform_error;

/*
 * One read at a time.  The platform layer's caches (user names, socket
 * tables, mounts; on Windows the name worker and the reader's handles)
 * are shared by the whole process and were made for fdaudit's one
 * reading thread.  And a read opens descriptors of its own: it leaves
 * out its own by number, but another thread reading at the same moment
 * would see them and report them as leaked.
 */
static int
snapshot_read(struct process *proc)
{
	int error;

	memset(proc, 0, sizeof(*proc));
	platform_self_lock();
	if (!platform_ready) {
		platform_error = platform_init();
		platform_ready = true;
	}
	if ((error = platform_error) == 0) {
		proc->pid = platform_self();
		proc->highest_fd = -1;
		error = platform_process_read(proc, PROCESS_FDS);
	}
	platform_self_unlock();
	return error;
}

struct fdaudit_snapshot *
fdaudit_snapshot_take(void)
{
	struct fdaudit_snapshot *snap = calloc(1, sizeof(*snap));

	if (snap == NULL)
		return NULL;
	if (snapshot_read(&snap->proc) != 0) {
		fdaudit_snapshot_free(snap);
		return NULL;
	}
	return snap;
}

/* Was this descriptor in the snapshot, on the same object? */
static bool
snapshot_has(const struct process *before, const struct fd_entry *fd)
{
	for (size_t i = 0; i < before->nfds; i++) {
		const struct fd_entry *old = &before->fds[i];

		if (old->fd == fd->fd)
			return fd_entry_same(old, fd);
	}
	return false;
}

int
fdaudit_snapshot_leaks(const struct fdaudit_snapshot *before, FILE *report)
{
	struct process now;
	int leaks = 0;

	if (before == NULL)
		return -1;
	if (snapshot_read(&now) != 0) {
		process_free(&now);
		return -1;
	}
	for (size_t i = 0; i < now.nfds; i++) {
		const struct fd_entry *fd = &now.fds[i];
		char *target;

		if (snapshot_has(&before->proc, fd))
			continue;
		leaks++;
		if (report == NULL)
			continue;
		target = escape_terminal(fd->target != NULL ? fd->target : "?");
		fprintf(report, "descriptor leaked: %d %s %s\n", fd->fd,
		    fdtype_entry_name(fd), target != NULL ? target : "?");
		free(target);
	}
	process_free(&now);
	return leaks;
}

void
fdaudit_snapshot_free(struct fdaudit_snapshot *snap)
{
	if (snap == NULL)
		return;
	process_free(&snap->proc);
	free(snap);
}

const char *
fdaudit_version(void)
{
	return FDAUDIT_VERSION_STRING;
}
