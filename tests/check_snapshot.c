/*
 * The snapshot API (include/fdaudit_snapshot.h) on the test process's
 * own descriptors.
 */
#define _GNU_SOURCE
#include <fcntl.h>
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

int
main(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("snapshot");

	tcase_add_test(tc, new_descriptor_is_a_leak);
	tcase_add_test(tc, reused_number_is_a_leak);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
