/*
 * The platform interface.  One backend implements it per operating system
 * (platform-linux.c, platform-win32.c, platform-unknown.c); the Makefile
 * chooses which.  Functions return 0 or a negative errno value.
 */
#ifndef FDAUDIT_PLATFORM_H
#define FDAUDIT_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct process;
struct system_info;

/* Set up and tear down whatever the backend needs (caches, libraries). */
int	platform_init(void);
void	platform_fini(void);

/* The caller's own process ID. */
int	platform_self(void);

/*
 * One lock for the whole process, under which the snapshot API reads
 * the caller's own table.  It never opens a descriptor or handle of its
 * own, not even on the first contention: one appearing between two
 * snapshots would be reported as leaked.
 */
void	platform_self_lock(void);
void	platform_self_unlock(void);
/* The name of this host, NUL-terminated in buf: 0 or a negative errno. */
int	platform_hostname(char *buf, size_t size);

/* Every process visible to the caller, as a malloc'ed array of PIDs. */
int	platform_process_list(int **pids, size_t *npids);

/*
 * Read the parts of one process named by `what' (PROCESS_* flags) into
 * `proc', which the caller has zeroed and whose pid is set.  Parts that
 * were read are marked in proc->have.  On failure the first error is
 * returned and also kept in proc->error, with the failing part in
 * proc->error_part; what was read before it stays filled in.
 */
int	platform_process_read(struct process *proc, unsigned what);

/* The system-wide descriptor picture (allocated, maximum, nr_open). */
int	platform_system_read(struct system_info *sys);

/* Seconds on a clock that only moves forward, for durations. */
double	platform_monotonic(void);

/* Sleep; an interrupting signal ends the sleep early. */
void	platform_sleep(double seconds);

/*
 * A report or state file.  A regular file, or a path not there yet, is
 * written atomically: create gives a stream on a temporary file in the
 * same directory, commit flushes it to disk and renames it over the path,
 * so a reader sees the old file or the new one, never half.  A symlink is
 * followed and its target gets the rule that fits it.  Anything else that
 * exists (a FIFO, a device, a socket, "-" or /dev/stdout for the standard
 * output) is written in place at commit, never replaced; with
 * PLATFORM_FILE_REGULAR it is refused with PLATFORM_ENOTREG instead.
 * Abort writes nothing.  Commit and abort free the handle.
 */
#define PLATFORM_FILE_REGULAR	0x1

struct platform_file;
int	platform_file_create(const char *path, unsigned flags,
	    struct platform_file **file, FILE **stream);
int	platform_file_commit(struct platform_file *file);
void	platform_file_abort(struct platform_file *file);

/*
 * An exclusive lock between runs that read, merge and rewrite the same
 * file, held on "PATH.lock" beside it (the file at PATH is replaced by
 * every commit, so a lock on it would be on a name that moves).  Waits up
 * to timeout_s seconds, then fails with -EAGAIN.  A PATH that exists and
 * is not a regular file is not locked: *lock is then NULL.
 */
struct platform_lock;
int	platform_lock_acquire(const char *path, double timeout_s,
	    struct platform_lock **lock);
void	platform_lock_release(struct platform_lock *lock);
/* The columns and rows of the terminal on descriptor fd; 0 if unknown. */
void	platform_terminal_size(int fd, int *columns, int *rows);

/* Whether the terminal's character set is UTF-8 (from the locale). */
bool	platform_output_utf8(void);

/*
 * Read many processes, each as platform_process_read does; a backend may
 * read them in parallel.  Per-process failures are in each proc->error;
 * the return value is 0 or a failure of the whole call (-ENOMEM).
 */
int	platform_processes_read(struct process *procs, size_t n,
	    unsigned what);

/*
 * Name the other ends of the pipes, FIFOs and UNIX sockets of processes
 * already read, among every process the caller can read.
 */
int	platform_peers_read(struct process *procs, size_t n);

/*
 * How the caller could read the descriptor tables of other users'
 * processes, as the end of "run ...": "as root", or the privileges the
 * caller lacks; NULL when it lacks none, so that no privilege would help.
 */
const char *platform_privilege_hint(void);
/* The bytes of a command name the system keeps; 0 when it keeps all. */
size_t	platform_command_max(void);

/*
 * Whether `name' is a user of the system: 0 when it is, -ENOENT when it
 * is not, another negative errno value when that cannot be told.
 */
int	platform_user_find(const char *name);

/* A short description of a negative errno value, for reports. */
const char *platform_strerror(int error);

/*
 * Not an errno value: a process that exists but that the system does not
 * show to the caller, as /proc mounted with hidepid does.  It lies above
 * every errno value, so it is never mistaken for one, and is returned
 * negated like them.
 */
#define PLATFORM_EHIDDEN 4096

/* Not an errno value either: a path that is not a regular file. */
#define PLATFORM_ENOTREG 4097
/* Not an errno value either: a process that exited, not yet reaped. */
#define PLATFORM_EZOMBIE 4098

/*
 * The process a PID belongs to: itself for a process, the process of a
 * thread for a thread's ID.  0, or a negative errno value.
 */
int	platform_thread_group(int pid, int *process);

/*
 * Whether the processes of other users may be hidden from the caller, so
 * that a list of every process leaves them out without a word.
 */
bool	platform_processes_hidden(void);

/*
 * Add to q->files what `path' names, by device and inode; with
 * `recursive', a directory and everything below it, symbolic links not
 * followed.  0, or the negative errno value of stat(2) of the path.
 */
struct hold_query;
struct report;
int	platform_path_ids(const char *path, bool recursive,
	    struct hold_query *q);

/*
 * Every process the caller can read that holds one of q's files, or a TCP
 * or UDP socket whose local or remote end q's ports match, into
 * report->processes: identity, limits and count, and only the
 * descriptors that hold them.  -EINVAL for an address that is not one.
 */
int	platform_holders_find(const struct hold_query *q,
	    struct report *report);

#endif /* FDAUDIT_PLATFORM_H */
