/*
 * Unit tests of the audit's computations, on reports built by hand.
 */
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"
#include "testutil.h"

/* A file descriptor as the platform layer reads one. */
static struct fd_entry
file_fd(int number, uint64_t dev, uint64_t ino)
{
	return (struct fd_entry){ .fd = number, .type = FD_TYPE_FILE,
	    .have_ino = true, .ino = ino, .dev = dev };
}

START_TEST(same_descriptor_same_object)
{
	struct fd_entry a = file_fd(5, 2049, 1234), b = file_fd(5, 2049, 1234);

	ck_assert(fd_entry_same(&a, &b));
	ck_assert(fd_entry_same(&b, &a));
	/* What is read beside the identity does not change it. */
	b.pos = 4096;
	b.cloexec = true;
	ck_assert(fd_entry_same(&a, &b));
}
END_TEST

START_TEST(number_reused_for_another_object)
{
	struct fd_entry a = file_fd(5, 2049, 1234), b;

	b = file_fd(5, 2049, 1235);		/* another file */
	ck_assert(!fd_entry_same(&a, &b));
	b = file_fd(5, 2050, 1234);		/* same inode, other disk */
	ck_assert(!fd_entry_same(&a, &b));
	b = file_fd(5, 2049, 1234);		/* a pipe of that inode */
	b.type = FD_TYPE_FIFO;
	ck_assert(!fd_entry_same(&a, &b));
	b = file_fd(6, 2049, 1234);		/* a duplicate elsewhere */
	ck_assert(!fd_entry_same(&a, &b));
}
END_TEST

START_TEST(missing_inode)
{
	struct fd_entry a = { .fd = 3, .type = FD_TYPE_EVENTFD };
	struct fd_entry b = { .fd = 3, .type = FD_TYPE_EVENTFD };

	/* Neither reading had an inode: the type is all there is. */
	ck_assert(fd_entry_same(&a, &b));
	b.type = FD_TYPE_TIMERFD;
	ck_assert(!fd_entry_same(&a, &b));
	/* An inode in one reading only: the object cannot be vouched for,
	   even when the other reading left ino at the same value. */
	b = (struct fd_entry){ .fd = 3, .type = FD_TYPE_EVENTFD,
	    .have_ino = true, .ino = 0 };
	ck_assert(!fd_entry_same(&a, &b));
	ck_assert(!fd_entry_same(&b, &a));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("identity");

	tcase_add_test(tc, same_descriptor_same_object);
	tcase_add_test(tc, number_reused_for_another_object);
	tcase_add_test(tc, missing_inode);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
