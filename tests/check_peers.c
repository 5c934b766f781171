/*
 * Unit tests of the search for the other ends (src/peers-linux.c): the
 * audited table is built by hand from this suite's own descriptors, and
 * a real child holds the other ends, found through /proc as any other
 * process would be.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdaudit.h"
#include "peers-linux.h"
#include "testutil.h"

static uint64_t
inode_of(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return (uint64_t)st.st_ino;
}

/* A child that keeps what it inherited until it is killed. */
static pid_t
child_holding(int ready)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (write(ready, "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ck_assert_int_gt(pid, 0);
	return pid;
}

static struct fd_entry
pipe_end(int fd, enum fd_mode mode)
{
	char link[64], *target;

	snprintf(link, sizeof(link), "pipe:[%llu]",
	    (unsigned long long)inode_of(fd));
	ck_assert_ptr_nonnull(target = strdup(link));
	return (struct fd_entry){ .fd = fd, .type = FD_TYPE_FIFO,
	    .mode = mode, .have_flags = true, .have_ino = true,
	    .ino = inode_of(fd), .target = target };
}

/*
 * This process holds the write end of a pipe whose read end a child
 * holds, and the child holds a copy of the write end too; one end of a
 * socket pair whose other end only the child has; and a pipe whose
 * read end nobody has any more.
 */
START_TEST(other_ends_and_sharers)
{
	int p[2], s[2], lone[2], ready[2];
	struct fd_entry fds[3];
	struct process self = { .pid = (int)getpid(),
	    .command = (char *)"check_peers", .fds = fds, .nfds = 3 };
	pid_t child;
	char c;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	ck_assert_int_eq(pipe(ready), 0);
	child = child_holding(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	/* Made after the fork: the child has no copy of it. */
	ck_assert_int_eq(pipe(lone), 0);
	close(lone[0]);
	close(p[0]);
	fds[0] = pipe_end(p[1], FD_MODE_WRITE);
	fds[1] = (struct fd_entry){ .fd = s[0], .type = FD_TYPE_SOCKET,
	    .have_ino = true, .ino = inode_of(s[0]),
	    .peer_ino = inode_of(s[1]) };
	close(s[1]);
	fds[2] = pipe_end(lone[1], FD_MODE_WRITE);

	ck_assert_int_eq(peers_resolve(&self, 1), 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	ck_assert(fds[0].peers_searched);
	ck_assert_uint_eq(fds[0].npeers, 1);
	ck_assert_int_eq(fds[0].peers[0].pid, child);
	ck_assert_int_eq(fds[0].peers[0].fd, p[0]);
	ck_assert_int_eq(fds[0].peers[0].mode, FD_MODE_READ);
	ck_assert_str_eq(fds[0].peers[0].command, "check_peers");
	ck_assert_uint_eq(fds[0].nsharers, 1);
	ck_assert(fds[0].peers[1].same_end);
	ck_assert_int_eq(fds[0].peers[1].pid, child);
	ck_assert_int_eq(fds[0].peers[1].fd, p[1]);

	ck_assert_uint_eq(fds[1].npeers, 1);
	ck_assert_int_eq(fds[1].peers[0].pid, child);
	ck_assert_int_eq(fds[1].peers[0].fd, s[1]);

	ck_assert(fds[2].peers_searched);
	ck_assert_uint_eq(fds[2].npeers, 0);
	ck_assert_uint_eq(fds[2].nsharers, 0);
	for (size_t i = 0; i < 3; i++)
		fd_entry_release(&fds[i]);
}
END_TEST

/* Both ends in the audited process: each is the other's peer. */
START_TEST(both_ends_audited)
{
	int p[2];
	struct fd_entry fds[2];
	struct process self = { .pid = (int)getpid(),
	    .command = (char *)"check_peers", .fds = fds, .nfds = 2 };

	ck_assert_int_eq(pipe(p), 0);
	fds[0] = pipe_end(p[0], FD_MODE_READ);
	fds[1] = pipe_end(p[1], FD_MODE_WRITE);
	ck_assert_int_eq(peers_resolve(&self, 1), 0);
	ck_assert_uint_eq(fds[0].npeers, 1);
	ck_assert_int_eq(fds[0].peers[0].fd, p[1]);
	ck_assert_int_eq(fds[0].peers[0].mode, FD_MODE_WRITE);
	ck_assert_uint_eq(fds[1].npeers, 1);
	ck_assert_int_eq(fds[1].peers[0].fd, p[0]);
	ck_assert_uint_eq(fds[0].nsharers + fds[1].nsharers, 0);
	fd_entry_release(&fds[0]);
	fd_entry_release(&fds[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("peers");
	TCase *tc = tcase_create("peers");

	tcase_add_test(tc, other_ends_and_sharers);
	tcase_add_test(tc, both_ends_audited);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
