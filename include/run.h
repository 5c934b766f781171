/*
 * fdaudit run: the interface between the supervisor that runs a command
 * under ptrace (trace-linux.c) and the subcommand that classifies, groups
 * and prints what it saw (run.c).  The supervisor only observes; every
 * decision about what is a leak is made in run.c.
 */
#ifndef FDAUDIT_RUN_H
#define FDAUDIT_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdaudit.h"

/* How a descriptor that was created in the traced tree reached its holder. */
enum trace_origin_state {
	TRACE_ORIGIN_CREATED,	/* in this process, or its parent since exec */
	TRACE_ORIGIN_CROSSED,	/* carried above 2 through an execve */
	TRACE_ORIGIN_STDIO	/* passed as 0, 1 or 2 to a new program */
};

/* Where a descriptor open at exit came from, when it was seen created. */
struct trace_origin {
	const char	*syscall;	/* a static name: "openat", "pipe2" */
	enum trace_origin_state state;
	int		 created_by;	/* PID of the process that made it */
};

/* One frame of the stack where a descriptor was made. */
struct trace_frame {
	uint64_t	 pc;
	char		*function;	/* NULL when no symbol covers pc */
	char		*file;		/* NULL without debug information */
	int		 line;
	char		*object;	/* the module: executable or library */
	bool		 python;	/* a frame of Python code, not native */
};

/* One descriptor still open when a process ended. */
struct trace_fd {
	int		 fd;
	enum fd_type	 type;
	char		*target;	/* raw link text */
	bool		 cloexec;
	bool		 have_flags;
	bool		 inherited;	/* number and identity match the start */
	const struct trace_origin *origin;	/* NULL: no record */
	struct trace_origin origin_kept;	/* a copy, for a check before exit */
	struct trace_frame *stack;	/* innermost first */
	size_t		 nstack;
};

/*
 * When a process's descriptors were checked: at its exit, or when Python
 * began to shut down, after the program's atexit handlers and before the
 * interpreter closes what the program left open.
 */
enum trace_check {
	TRACE_CHECK_EXIT,
	TRACE_CHECK_PYTHON_SHUTDOWN
};

/* A process (thread group) at its end. */
struct trace_exit {
	int		 pid;
	int		 ppid;
	const char	*command;	/* the kernel's name (comm) */
	char *const	*argv;
	size_t		 argc;
	int		 wait_status;	/* as waitpid(2) would give it */
	bool		 root;		/* the command itself, not a child */
	enum trace_check checked;	/* when its descriptors were read */
	bool		 python;	/* it ran Python 3.9 or later */
	/*
	 * It ran a Python whose C API the recorder could not use (older
	 * than 3.9, or one that exports no symbols): checked at exit only,
	 * without Python stacks.
	 */
	bool		 python_unsupported;
	struct trace_fd	*fds;
	size_t		 nfds;
};

struct trace_options {
	bool		 pin_cpu;	/* tracer and tracees on one CPU */
	bool		 stacks;	/* record where descriptors are made */
	bool		 preload;	/* the recorder, for linked programs */
	unsigned	 threshold;	/* a snapshot at this many; 0: none */
};

/* Why a process's table was read while it ran. */
enum trace_snapshot_reason {
	TRACE_SNAPSHOT_LIMIT,		/* a creating call failed: EMFILE */
	TRACE_SNAPSHOT_THRESHOLD	/* it holds --threshold descriptors */
};

struct trace_snapshot {
	enum trace_snapshot_reason reason;
	int		 error;		/* EMFILE or ENFILE, with LIMIT */
	const char	*syscall;	/* the call that failed, or NULL */
};

/* What the supervisor tells its caller while the command runs. */
struct trace_callbacks {
	void	(*exited)(void *, const struct trace_exit *);
	void	(*ptrace_used)(void *, int pid, const char *command);
	/* The table of a running process (fds, wait_status unset). */
	void	(*snapshot)(void *, const struct trace_exit *,
		    const struct trace_snapshot *);
	void	*arg;
};

/* Which part of starting the command failed (trace_run's *failure). */
enum trace_failure {
	TRACE_FAILURE_NONE,
	TRACE_FAILURE_SYSTEM,	/* fork, pipes, memory */
	TRACE_FAILURE_PTRACE,	/* ptrace or seccomp refused */
	TRACE_FAILURE_EXEC	/* the command could not be executed */
};

/*
 * Run argv under the supervisor until every process of the tree has
 * ended.  Returns 0 and the command's wait status, or a negative errno
 * with the failing step in *failure.
 */
int	 trace_run(char *const *argv, const struct trace_options *,
	    const struct trace_callbacks *, int *wait_status,
	    enum trace_failure *failure);

/*
 * unwind-linux.c, for trace-linux.c: stacks of stopped threads.  An
 * unwind_space is one program's address space; an unwind_stack is a list
 * of code addresses in one.  Both are reference-counted.
 */
#define UNWIND_MAX_FRAMES	32

struct unwind_space;
struct unwind_stack {
	int		 refs;
	struct unwind_space *space;
	size_t		 n;
	uint64_t	 pcs[];
};

struct unwind_space *unwind_space_new(int pid);
struct unwind_space *unwind_space_ref(struct unwind_space *);
void	 unwind_space_unref(struct unwind_space *);
int	 unwind_capture(struct unwind_space *, int pid, int tid,
	    struct unwind_stack **);
int	 unwind_stack_make(struct unwind_space *, int pid,
	    const uint64_t *returns, size_t n, struct unwind_stack **);
struct unwind_stack *unwind_stack_ref(struct unwind_stack *);
void	 unwind_stack_unref(struct unwind_stack *);
int	 unwind_symbolize(const struct unwind_stack *, struct trace_frame **,
	    size_t *);
void	 unwind_frames_free(struct trace_frame *, size_t);
void	 unwind_cache_free(void);

/*
 * A file that comes with fdaudit (the recorder, the default suppressions):
 * beside the binary, in ../lib/fdaudit beside it, or in the library
 * directory of the installation.  A malloc'ed path, or NULL.
 */
char	*trace_data_find(const char *name);

/* suppress.c: the rules of findings fdaudit run does not report. */
struct suppress_rule;
struct suppress_set {
	struct suppress_rule *rules;
	size_t		 nrules;
};

/* What a rule looks at in a finding. */
struct suppress_finding {
	enum fd_type	 type;
	const char	*target;
	const char	*syscall;
	const char	*command;
	const struct trace_frame *stack;
	size_t		 nstack;
};

enum suppress_match {
	SUPPRESS_NONE,
	SUPPRESS_USER,
	SUPPRESS_DEFAULT
};

int	 suppress_load(struct suppress_set *, const char *path,
	    bool by_default, size_t *lineno);
enum suppress_match suppress_match(const struct suppress_set *,
	    const struct suppress_finding *);
void	 suppress_free(struct suppress_set *);

/* The file of default rules, installed with fdaudit. */
#define SUPPRESS_DEFAULT_FILE	"fdaudit-default.supp"

#endif /* FDAUDIT_RUN_H */
