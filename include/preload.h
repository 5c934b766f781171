/*
 * The recorder that fdaudit run preloads into dynamically linked
 * programs (src/preload-linux.c) and what the supervisor
 * (src/trace-linux.c) reads of it.
 *
 * The supervisor's seccomp filter stops every call that creates a
 * descriptor unless its sixth argument, unused by all of those calls,
 * holds the run's cookie.  The recorder makes the calls of the functions
 * it interposes itself, with the cookie, and notes in its own private
 * memory, per descriptor number, which call made it and its return
 * addresses.  Calls that do not go through it (glibc's internal opens,
 * static programs, raw syscall(2)) still stop, so ptrace remains the
 * record of last resort.  The supervisor reads the table with
 * process_vm_readv(2) when a process execs or ends.  Private memory is
 * copied on fork, which is what a child's records should be.
 */
#ifndef FDAUDIT_PRELOAD_H
#define FDAUDIT_PRELOAD_H

#include <stdint.h>

/*
 * The environment variable that arms the recorder:
 * "VERSION,COOKIE,STACKS,THRESHOLD" (THRESHOLD 0: none).
 */
#define PRELOAD_ENV		"FDAUDIT_PRELOAD"
/* The recorder's file, next to the fdaudit binary or in its libdir. */
#define PRELOAD_FILE		"fdaudit-preload.so"

#define PRELOAD_MAGIC		0x66647072u	/* "fdpr" */
#define PRELOAD_VERSION		3u
#define PRELOAD_FRAMES		32
/* Python frames kept per descriptor, and the longest name or file kept. */
#define PRELOAD_PY_FRAMES	16
#define PRELOAD_PY_TEXT		512
/*
 * Slots come in chunks mapped when a number in them is first used, so a
 * process with a high limit and few descriptors reserves little.
 */
#define PRELOAD_CHUNK		256u
#define PRELOAD_CHUNKS		4096u
#define PRELOAD_MAX_SLOTS	(PRELOAD_CHUNK * PRELOAD_CHUNKS)

/*
 * The announcement: dup(-1) with the table's address as second argument
 * and the cookie as third.  dup always stops without the cookie in its
 * sixth argument, and dup(-1) fails with EBADF and changes nothing.
 */
#define PRELOAD_ANNOUNCE_FD	(-1)

/*
 * "Check this process now": dup(-2) with the reason as second argument
 * and the cookie as third, which stops and fails like the announcement.
 * A Python program asks once its atexit handlers have run.
 */
#define PRELOAD_CHECK_FD	(-2)
#define PRELOAD_CHECK_SHUTDOWN	1
/*
 * A creating call failed for want of descriptors: its error (EMFILE or
 * ENFILE) is the fourth argument, its system call number the fifth.
 */
#define PRELOAD_CHECK_LIMIT	2
/* A descriptor number reached the table's threshold (--threshold). */
#define PRELOAD_CHECK_THRESHOLD	3

/*
 * A frame of Python code: the addresses of its file's and function's
 * names, NUL-terminated in the recorder's memory, and the line.
 */
struct preload_py_frame {
	uint64_t	 file;
	uint64_t	 function;
	uint32_t	 line;
	uint32_t	 reserved;
};

struct preload_slot {
	uint32_t	 call;		/* system call number + 1; 0: empty */
	uint32_t	 nframes;
	uint64_t	 serial;	/* the table's count when it was made */
	uint64_t	 returns[PRELOAD_FRAMES];	/* innermost first */
	uint32_t	 npy;		/* Python frames, when Python ran */
	uint32_t	 reserved;
	struct preload_py_frame py[PRELOAD_PY_FRAMES];	/* innermost first */
};

/* The table's flags: what the recorder found in the program. */
#define PRELOAD_PY_FOUND	0x1	/* Python 3.9 or later's C API */
#define PRELOAD_PY_HOOKED	0x2	/* checked when Python shuts down */
#define PRELOAD_PY_TOO_OLD	0x4	/* a Python without that API */

struct preload_table {
	uint32_t	 magic;
	uint32_t	 version;
	uint32_t	 chunk;		/* slots per chunk */
	uint32_t	 frames;
	/*
	 * Creations so far.  The supervisor notes it with each record of
	 * its own, so that of two records of one number the later wins.
	 */
	uint64_t	 serial;
	uint32_t	 flags;
	/*
	 * Ask for a check when a descriptor number reaches this (0: never);
	 * the supervisor raises it when the process holds fewer than asked.
	 */
	uint32_t	 threshold;
	uint64_t	 reserved[5];
	uint64_t	 chunks[PRELOAD_CHUNKS];	/* addresses, 0: none */
};

#endif /* FDAUDIT_PRELOAD_H */
