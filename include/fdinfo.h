/*
 * fdinfo.c: parsers of the text the Linux kernel writes under /proc
 * (fdinfo, limits, status, stat, file-nr, mountinfo, mount options).
 * Pure functions of their input, so they are unit-tested and fuzzed
 * alone; only the Linux platform layer and the tracer call them.
 */
#ifndef FDAUDIT_FDINFO_H
#define FDAUDIT_FDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdaudit.h"

/* A walk over the lines of a buffer, shared by every reader of /proc. */
struct procfs_cursor {
	const char	*p;		/* the start of the next line */
	const char	*end;
};
bool		 procfs_line_next(struct procfs_cursor *, const char **,
		    size_t *);
size_t		 procfs_number_parse(const char *, size_t, unsigned,
		    uint64_t *);

struct fdinfo {
	int64_t		 pos;
	unsigned long	 flags;
	uint64_t	 ino;
	uint64_t	 mnt_id;	/* the mount the file is on */
	bool		 have_pos;
	bool		 have_flags;
	bool		 have_ino;
	bool		 have_mnt_id;
};
int		 procfs_fdinfo_parse(const char *, size_t, struct fdinfo *);
int		 procfs_fdinfo_details_parse(enum fd_type, const char *,
		    size_t, struct fd_detail **, size_t *);
int		 procfs_limits_parse(const char *, size_t,
		    struct fd_limits *);
int		 procfs_status_parse_uid(const char *, size_t, long *);
int		 procfs_status_parse_tgid(const char *, size_t, int *);
int		 procfs_status_parse_nspid(const char *, size_t, int *);
int		 procfs_status_parse_nspid_levels(const char *, size_t, int *,
		    int *);
struct proc_cgroup {
	char		*path;		/* malloc'ed, like the two below */
	char		*unit;		/* NULL when the path names none */
	char		*container;	/* NULL when the path holds none */
};
int		 procfs_cgroup_parse(const char *, size_t,
		    struct proc_cgroup *);
struct proc_stat {
	char		*command;	/* malloc'ed */
	uint64_t	 start_time;
	char		 state;
	bool		 kernel_thread;
	bool		 exiting;	/* gone, or its table is being emptied */
};
int		 procfs_stat_parse(const char *, size_t, struct proc_stat *);
int		 procfs_file_nr_parse(const char *, size_t,
		    struct system_info *);
struct proc_hidepid {
	int		 mode;		/* 0 off, 1 noaccess, 2 invisible,
					   4 ptraceable */
	bool		 have_gid;
	long		 gid;		/* the group exempt from it */
};
struct mountinfo_entry {
	uint64_t	 id;
	const char	*mount_point;	/* escaped, as the kernel writes it */
	size_t		 mount_point_len;
	const char	*fstype;
	size_t		 fstype_len;
	const char	*super_options;
	size_t		 super_options_len;
};
int		 procfs_mountinfo_line_parse(const char *, size_t,
		    struct mountinfo_entry *);
void		 procfs_hidepid_parse(const char *, size_t,
		    struct proc_hidepid *);
bool		 procfs_fstype_may_wait(const char *, size_t);
int		 procfs_single_number_parse(const char *, size_t,
		    uint64_t *);
const char	*procfs_sockproto_name(const char *, char *, size_t);

#endif /* FDAUDIT_FDINFO_H */
