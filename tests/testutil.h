/*
 * Helpers shared by the test suites: run the real fdaudit binary and
 * capture what it prints, and start the fdholder helper process.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

struct run_result {
	char	*out;		/* stdout, NUL-terminated */
	size_t	 out_len;
	char	*err;		/* stderr, NUL-terminated */
	size_t	 err_len;
	int	 status;	/* exit code, or 128 + signal */
};

struct run_options {
	uid_t	 uid;		/* run as this user when drop_privileges */
	bool	 drop_privileges;
	const char *const *env;	/* extra NAME=VALUE entries, NULL-ended */
	const char *const *prefix; /* a command that runs fdaudit, such as
				   setpriv and its options, NULL-ended */
};

/* Run $FDAUDIT (default ./fdaudit) with a NULL-terminated argument list. */
int	 run_fdaudit(struct run_result *, const struct run_options *,
	    const char *const *);
void	 run_result_free(struct run_result *);
int	 count_lines(const char *);

struct held_fd {
	int	 fd;
	char	 type[16];
	char	 mode[4];
	bool	 cloexec;
	bool	 deleted;
	char	*target;	/* bytes, from the helper's own readlink */
};

struct holder {
	pid_t		 pid;		/* the process holding the descriptors */
	pid_t		 ns_parent;	/* with -I, its parent outside */
	int		 out;		/* read end of the helper's stdout */
	char		 dir[64];	/* its temporary directory */
	struct held_fd	*fds;
	size_t		 nfds;
	char		**lines;	/* "sock", "peer", "pair", "stale", "sharer" lines */
	size_t		 nlines;
};

/* Start $FDHOLDER with extra arguments (NULL-ended); wait for "ready". */
int	 holder_start(struct holder *, const char *const *);
void	 holder_stop(struct holder *);
const struct held_fd *holder_fd(const struct holder *, int);
/* The two numbers of the helper's UNIX socket pair; 0 or -1. */
int	 holder_pair(const struct holder *, int [2]);
char	*pid_text(pid_t);
int	 holder_signal(struct holder *, int);



/* Whether a program of this name is on $PATH, for optional tools. */
bool	 tool_found(const char *);

#include <check.h>

/*
 * A test that cannot run its check here (no privilege, a tool or a kernel
 * feature missing) says why and returns: one "SKIP: test: reason" line,
 * which tests/run-suites.sh counts as a skip rather than a pass.  Only
 * in the body of a START_TEST, whose name it takes.
 */
void	 test_skip(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
#define SKIP_TEST(...) do {						\
	test_skip(__func__, __VA_ARGS__);				\
	return;								\
} while (0)

/*
 * A test that ran its other checks but had to leave one part out says
 * so: one "PART SKIPPED: test: reason" line, listed with the skips.
 */
void	 test_part_skipped(const char *, const char *);

/* Run one suite with the usual runner; the process exit status. */
int	 suite_run(Suite *);
void	 tcase_leak_check(TCase *);
#endif
