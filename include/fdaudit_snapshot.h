/*
 * fdaudit's snapshot and diff as a small C API, for test suites that
 * check their own descriptors: take a snapshot in a fixture's setup,
 * compare in its teardown, and fail the test that leaked.
 *
 *	struct fdaudit_snapshot *before = fdaudit_snapshot_take();
 *	...the test...
 *	if (fdaudit_snapshot_leaks(before, stderr) > 0)
 *		fail();
 *	fdaudit_snapshot_free(before);
 *
 * Link with libfdaudit.a and -pthread.  The first call sets up fdaudit's
 * platform layer, once, even when threads race to it.  A descriptor
 * counts as leaked when its number was not open in the snapshot, or is
 * open on another object now: another type, another inode, or an inode
 * known in one of the two readings only (fd_entry_same, the rule that
 * fdaudit watch and fdaudit run use too).
 */
#ifndef FDAUDIT_SNAPSHOT_H
#define FDAUDIT_SNAPSHOT_H

#include <stdio.h>

struct fdaudit_snapshot;

/* The calling process's descriptors now; NULL when they cannot be read. */
struct fdaudit_snapshot	*fdaudit_snapshot_take(void);

/*
 * Descriptors open now that were not in `before': each is described on
 * `report' (when not NULL), one line each; the count is returned, or -1
 * when `before' is NULL (a failed fdaudit_snapshot_take) or the table
 * cannot be read.
 */
int	fdaudit_snapshot_leaks(const struct fdaudit_snapshot *before,
	    FILE *report);

void	fdaudit_snapshot_free(struct fdaudit_snapshot *);

#endif /* FDAUDIT_SNAPSHOT_H */
