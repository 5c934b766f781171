/*
 * winsnap: the snapshot API of include/fdaudit_snapshot.h on Windows,
 * whose platform layer resolves its ntdll functions before the first
 * read.  A snapshot, then an event opened after it: that one handle is
 * a leak, and once it is closed there is none.  Prints "snapshot ok"
 * and exits 0, or says what differed and exits 1.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdio.h>

#include "fdaudit_snapshot.h"

static int
expect_leaks(const struct fdaudit_snapshot *before, int want,
    const char *when)
{
	int leaks = fdaudit_snapshot_leaks(before, stderr);

	if (leaks == want)
		return 0;
	fprintf(stderr, "winsnap: %s: %d leaks, want %d\n", when, leaks,
	    want);
	return 1;
}

int
main(void)
{
	struct fdaudit_snapshot *before = fdaudit_snapshot_take();
	HANDLE event;
	int failed = 0;

	if (before == NULL) {
		fprintf(stderr, "winsnap: no snapshot\n");
		return 1;
	}
	failed |= expect_leaks(before, 0, "at once");
	if ((event = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL) {
		fprintf(stderr, "winsnap: CreateEvent: error %lu\n",
		    (unsigned long)GetLastError());
		return 1;
	}
	failed |= expect_leaks(before, 1, "with an event");
	CloseHandle(event);
	failed |= expect_leaks(before, 0, "after closing it");
	fdaudit_snapshot_free(before);
	if (failed == 0)
		printf("snapshot ok\n");
	return failed;
}
