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
 * Build with `pkg-config --cflags --libs fdaudit' (the shared library)
 * or `pkg-config --static ...' with libfdaudit.a.  See fdaudit_snapshot(3).
 *
 * The first call sets up fdaudit's platform layer, once, even when
 * threads race to it.  Snapshots may be taken and compared from several
 * threads at once: they are read one at a time.  A descriptor counts as
 * leaked when its number was not open in the snapshot, or is open on
 * another object now: another type, another inode, or an inode known in
 * one of the two readings only (the rule that fdaudit watch and fdaudit
 * run use too).
 */
#ifndef FDAUDIT_SNAPSHOT_H
#define FDAUDIT_SNAPSHOT_H

#include <stdio.h>

/* The version of fdaudit this header comes with; the Makefile reads it. */
#define FDAUDIT_VERSION_MAJOR	0
#define FDAUDIT_VERSION_MINOR	1
#define FDAUDIT_VERSION_PATCH	0
#define FDAUDIT_VERSION_STRING	"0.1.0"

/*
 * What the library exports.  It is built with every other symbol hidden,
 * so that its internals cannot clash with the program linking it.
 */
#if defined(__GNUC__) && !defined(_WIN32)
#define FDAUDIT_API	__attribute__((visibility("default")))
#else
#define FDAUDIT_API
#endif

struct fdaudit_snapshot;

/* The calling process's descriptors now; NULL when they cannot be read. */
FDAUDIT_API struct fdaudit_snapshot *fdaudit_snapshot_take(void);

/*
 * Descriptors open now that were not in `before': each is described on
 * `report' (when not NULL), one line each; the count is returned, or -1
 * when `before' is NULL (a failed fdaudit_snapshot_take) or the table
 * cannot be read.
 */
FDAUDIT_API int	fdaudit_snapshot_leaks(const struct fdaudit_snapshot *before,
		    FILE *report);

FDAUDIT_API void fdaudit_snapshot_free(struct fdaudit_snapshot *);

/* The version of the library linked, which may differ from the header's. */
FDAUDIT_API const char *fdaudit_version(void);

#endif /* FDAUDIT_SNAPSHOT_H */
