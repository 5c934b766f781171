/*
 * The snapshot API (include/fdaudit_snapshot.h) on the test process's
 * own descriptors.
 */
#define _GNU_SOURCE
#include <sys/socket.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdaudit_snapshot.h"
#include "testutil.h"

START_TEST(new_descriptor_is_a_leak)
{
	struct fdaudit_snapshot *before = fdaudit_snapshot_take();
	char *text = NULL;
	size_t len;
	FILE *report;
	int fd;

	ck_assert_ptr_nonnull(before);
	ck_assert_int_eq(fdaudit_snapshot_leaks(before, NULL), 0);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	report = open_memstream(&text, &len);
	ck_assert_int_eq(fdaudit_snapshot_leaks(before, report), 1);
	fclose(report);
	ck_assert_ptr_nonnull(strstr(text, "/dev/null"));
	free(text);
	close(fd);
	ck_assert_int_eq(fdaudit_snapshot_leaks(before, NULL), 0);
	fdaudit_snapshot_free(before);
}
END_TEST

/* The same number on another object is a leak: identity decides. */
START_TEST(reused_number_is_a_leak)
{
	struct fdaudit_snapshot *before;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), p[2];

	before = fdaudit_snapshot_take();
	close(fd);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(p[0], fd);
	/* p[0] reuses the number of /dev/null; p[1] is new. */
	ck_assert_int_eq(fdaudit_snapshot_leaks(before, NULL), 2);
	close(p[0]);
	close(p[1]);
	fdaudit_snapshot_free(before);
}
END_TEST

/*
 * Fill the stack below the caller with a pattern that is no valid
 * pointer, so that what the next call leaves uninitialised is garbage.
 */
static void __attribute__((noinline))
stack_dirty(void)
{
	volatile unsigned char junk[16384];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = 0xa5;
}

/* A failed snapshot given back: an error, and nothing freed. */
START_TEST(no_snapshot_is_an_error)
{
	stack_dirty();
	ck_assert_int_eq(fdaudit_snapshot_leaks(NULL, NULL), -1);
	stack_dirty();
	ck_assert_int_eq(fdaudit_snapshot_leaks(NULL, stderr), -1);
	fdaudit_snapshot_free(NULL);
}
END_TEST

/*
 * A descriptor on one of our own /proc files is ours like any other:
 * only the reader's own descriptors are left out of the table.
 */
START_TEST(own_proc_file_is_a_leak)
{
	struct fdaudit_snapshot *before = fdaudit_snapshot_take();
	char *text = NULL;
	size_t len;
	FILE *report;
	int fd;

	ck_assert_ptr_nonnull(before);
	ck_assert_int_ge(fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC),
	    0);
	report = open_memstream(&text, &len);
	ck_assert_int_eq(fdaudit_snapshot_leaks(before, report), 1);
	fclose(report);
	ck_assert_msg(strstr(text, "/status") != NULL, "report: %s", text);
	free(text);
	close(fd);
	ck_assert_int_eq(fdaudit_snapshot_leaks(before, NULL), 0);
	fdaudit_snapshot_free(before);
}
END_TEST

/*
 * A table large enough that fdaudit reads another process's with two
 * threads: of our own, the reader's descriptors never show, however
 * often it is read.
 */
START_TEST(large_own_table_is_exact)
{
	struct fdaudit_snapshot *before;
	int fds[700], extra;

	for (size_t i = 0; i < 700; i++)
		ck_assert_int_ge(fds[i] = open("/dev/null", O_RDONLY |
		    O_CLOEXEC), 0);
	ck_assert_ptr_nonnull(before = fdaudit_snapshot_take());
	for (int run = 0; run < 10; run++)
		ck_assert_int_eq(fdaudit_snapshot_leaks(before, NULL), 0);
	ck_assert_int_ge(extra = open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
	for (int run = 0; run < 10; run++)
		ck_assert_int_eq(fdaudit_snapshot_leaks(before, NULL), 1);
	close(extra);
	fdaudit_snapshot_free(before);
	for (size_t i = 0; i < 700; i++)
		close(fds[i]);
}
END_TEST

/*
 * Threads that take and compare snapshots at the same moment, with
 * sockets open so that the socket tables are read too: none of them
 * may see a leak, since none opens anything.  A read's own descriptors
 * seen by another thread, or caches torn by two readers, would show.
 */
#define SNAPSHOT_THREADS	4
#define SNAPSHOT_ROUNDS		40

static atomic_int thread_failures;

static void *
snapshot_thread(void *arg)
{
	FILE *report = arg;

	for (int i = 0; i < SNAPSHOT_ROUNDS; i++) {
		struct fdaudit_snapshot *before = fdaudit_snapshot_take();

		if (before == NULL ||
		    fdaudit_snapshot_leaks(before, report) != 0)
			atomic_fetch_add(&thread_failures, 1);
		fdaudit_snapshot_free(before);
	}
	return NULL;
}

START_TEST(threads_take_snapshots_at_once)
{
	pthread_t threads[SNAPSHOT_THREADS];
	int pair[2], tcp, failures;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    pair), 0);
	ck_assert_int_ge(tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
	    0), 0);
	for (int i = 0; i < SNAPSHOT_THREADS; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL,
		    snapshot_thread, stderr), 0);
	for (int i = 0; i < SNAPSHOT_THREADS; i++)
		pthread_join(threads[i], NULL);
	failures = atomic_load(&thread_failures);
	ck_assert_int_eq(failures, 0);
	close(pair[0]);
	close(pair[1]);
	close(tcp);
}
END_TEST

/* The library says which version it is, the one its header names. */
START_TEST(version_matches_header)
{
	char parts[32];

	snprintf(parts, sizeof(parts), "%d.%d.%d", FDAUDIT_VERSION_MAJOR,
	    FDAUDIT_VERSION_MINOR, FDAUDIT_VERSION_PATCH);
	ck_assert_str_eq(fdaudit_version(), FDAUDIT_VERSION_STRING);
	ck_assert_str_eq(parts, FDAUDIT_VERSION_STRING);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("snapshot");

	tcase_add_test(tc, new_descriptor_is_a_leak);
	tcase_add_test(tc, reused_number_is_a_leak);
	tcase_add_test(tc, no_snapshot_is_an_error);
	tcase_add_test(tc, own_proc_file_is_a_leak);
	tcase_add_test(tc, large_own_table_is_exact);
	tcase_add_test(tc, threads_take_snapshots_at_once);
	tcase_add_test(tc, version_matches_header);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
