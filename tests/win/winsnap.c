/*
 * winsnap: the snapshot API of include/fdaudit_snapshot.h on Windows,
 * whose platform layer resolves its ntdll functions before the first
 * read.  A snapshot, then an event opened after it: that one handle is
 * a leak, and once it is closed there is none.  Then threads that take
 * and compare snapshots at once, opening nothing: none may see a leak,
 * as the handles one reading duplicates would be to another.  Prints
 * "snapshot ok" and exits 0, or says what differed and exits 1.
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

#define SNAP_THREADS	4
#define SNAP_ROUNDS	10

/*
 * Every handle of the test (the threads, this event) is open before the
 * first snapshot: the threads start reading together when it is set.
 */
struct snap_threads {
	HANDLE	 go;
	LONG	 failures;
};

static DWORD WINAPI
snapshot_thread(LPVOID arg)
{
	struct snap_threads *t = arg;
	LONG *failures = &t->failures;

	WaitForSingleObject(t->go, INFINITE);
	for (int i = 0; i < SNAP_ROUNDS; i++) {
		struct fdaudit_snapshot *before = fdaudit_snapshot_take();

		if (before == NULL || fdaudit_snapshot_leaks(before, stderr) != 0)
			InterlockedIncrement(failures);
		fdaudit_snapshot_free(before);
	}
	return 0;
}

static int
threads_at_once(void)
{
	HANDLE threads[SNAP_THREADS];
	struct snap_threads t = { CreateEventW(NULL, TRUE, FALSE, NULL), 0 };
	int n = 0;

	if (t.go == NULL) {
		fprintf(stderr, "winsnap: CreateEvent: error %lu\n",
		    (unsigned long)GetLastError());
		return 1;
	}
	for (; n < SNAP_THREADS; n++) {
		threads[n] = CreateThread(NULL, 0, snapshot_thread, &t, 0,
		    NULL);
		if (threads[n] == NULL)
			break;
	}
	SetEvent(t.go);
	WaitForMultipleObjects((DWORD)n, threads, TRUE, INFINITE);
	for (int i = 0; i < n; i++)
		CloseHandle(threads[i]);
	CloseHandle(t.go);
	if (n == SNAP_THREADS && t.failures == 0)
		return 0;
	fprintf(stderr, "winsnap: threads: %d started, %ld failed rounds\n",
	    n, (long)t.failures);
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
	failed |= threads_at_once();
	if (failed == 0)
		printf("snapshot ok\n");
	return failed;
}
