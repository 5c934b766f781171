/*
 * fdaudit: the data model shared by the platform layer, the audit and the
 * output modules.  Platform backends fill these structures, audit.c
 * computes, output-*.c print.  Nothing here depends on the operating system.
 */
#ifndef FDAUDIT_H
#define FDAUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fdaudit_snapshot.h"

#define FDAUDIT_VERSION FDAUDIT_VERSION_STRING
#define FDAUDIT_JSON_VERSION 1

/* Exit status, after the monitoring-plugins convention. */
#define EXIT_STATUS_OK		0
#define EXIT_STATUS_WARNING	1
#define EXIT_STATUS_CRITICAL	2
#define EXIT_STATUS_UNKNOWN	3
/* --path and --port: nothing holds what was named, as lsof says it. */
#define EXIT_STATUS_NOT_HELD	1

/* Runs of counts a state file keeps per process. */
#define STATE_MAX_SAMPLES	16

/* Descriptors at or above this number break select(2). */
#define FDAUDIT_FD_SETSIZE 1024

enum fd_type {
	FD_TYPE_FILE,
	FD_TYPE_DIR,
	FD_TYPE_CHR,
	FD_TYPE_BLK,
	FD_TYPE_FIFO,
	FD_TYPE_SOCKET,
	FD_TYPE_EVENTFD,
	FD_TYPE_EPOLL,
	FD_TYPE_INOTIFY,
	FD_TYPE_FANOTIFY,
	FD_TYPE_SIGNALFD,
	FD_TYPE_TIMERFD,
	FD_TYPE_PIDFD,
	FD_TYPE_MEMFD,
	FD_TYPE_IO_URING,
	FD_TYPE_BPF,
	FD_TYPE_PERF_EVENT,
	FD_TYPE_USERFAULTFD,
	FD_TYPE_NAMESPACE,
	FD_TYPE_ANON_INODE,
	FD_TYPE_UNKNOWN,
	FD_TYPE_COUNT
};

/* Access mode of a descriptor, from the open flags. */
enum fd_mode {
	FD_MODE_NONE,		/* O_PATH, or fdinfo unreadable */
	FD_MODE_READ,
	FD_MODE_WRITE,
	FD_MODE_READ_WRITE
};

/* Kinds of object the classifier recognises from a link text or st_mode. */
enum fd_object {
	FD_OBJECT_PATH,		/* the link names a path: use st_mode */
	FD_OBJECT_OTHER		/* the link text alone decides */
};

/* One per-type detail of a descriptor, mostly from its fdinfo. */
enum detail_kind {
	DETAIL_NUMBER,
	DETAIL_REAL,
	DETAIL_BOOL,
	DETAIL_TEXT,
	DETAIL_NUMBERS
};

struct fd_detail {
	const char	*key;		/* a static word: "counter", "pid" */
	enum detail_kind kind;
	int64_t		 number;
	double		 real;
	bool		 boolean;
	char		*text;
	int64_t		*numbers;
	uint64_t	*inodes;	/* epoll: inode of each watched number */
	size_t		 nnumbers;
};

/*
 * A descriptor elsewhere that holds the other end of a pipe or FIFO, or a
 * socket's peer; or one that holds the same end of a pipe (same_end).
 */
struct fd_peer {
	int		 pid;
	int		 fd;
	char		*command;
	enum fd_mode	 mode;		/* FD_MODE_NONE when unknown */
	bool		 same_end;
};

struct fd_entry {
	int		 fd;
	enum fd_type	 type;
	enum fd_mode	 mode;
	bool		 cloexec;
	bool		 nonblock;
	bool		 append;
	bool		 deleted;
	bool		 have_flags;	/* fdinfo was read: mode, flags, pos valid */
	bool		 have_ino;
	bool		 have_mode;	/* mode valid, flags not read */
	int64_t		 pos;
	uint64_t	 ino;
	uint64_t	 dev;		/* the file system of ino; 0 when the
					   platform does not tell it */
	char		*target;	/* raw bytes from the other process */
	char		*proto;		/* sockets: protocol name, else NULL */
	char		*type_word;	/* an object outside the vocabulary:
					   the OS's own word for its type */
	char		*local;		/* sockets: local address or path */
	char		*remote;	/* sockets: remote address */
	const char	*state;		/* sockets: TCP or UNIX state */
	const char	*socket_type;	/* UNIX type, netlink protocol */
	uint64_t	 peer_ino;	/* UNIX sockets: the peer's inode */
	int64_t		 size;		/* files, memfds; -1 unknown */
	int		 error;		/* 0, or why it could not be read */
	struct fd_detail *details;
	size_t		 ndetails;
	struct fd_peer	*peers;		/* the other end first, then same_end */
	size_t		 npeers;	/* of the other end */
	size_t		 nsharers;	/* same_end, after them */
	bool		 peers_searched;
};

struct fd_limits {
	uint64_t	 soft;
	uint64_t	 hard;
	bool		 soft_unlimited;
	bool		 hard_unlimited;
};

enum status {
	STATUS_OK,
	STATUS_WARNING,
	STATUS_CRITICAL,
	STATUS_UNKNOWN
};

/*
 * A range in the monitoring-plugins syntax: "80" is 0..80, "80:" is 80
 * and up, "~:80" is anything up to 80, "10:20" and "@10:20".  A value
 * outside the range alerts; with "@", a value inside it does.
 */
struct range {
	bool		 set;
	bool		 inside;	/* "@": alert inside start..end */
	bool		 no_start;	/* "~": no lower bound */
	bool		 no_end;	/* "10:": no upper bound */
	double		 start;
	double		 end;
	char		 text[32];	/* as given, for messages */
};

struct thresholds {
	struct range	 warn;		/* percent of the soft limit */
	struct range	 crit;
	struct range	 warn_count;	/* open descriptors; set or not */
	struct range	 crit_count;
};

/* What a platform backend is asked to read (platform_process_read). */
#define PROCESS_IDENTITY	0x01u	/* command, user */
#define PROCESS_LIMITS		0x02u
#define PROCESS_COUNT		0x04u	/* open descriptors, cheaply */
#define PROCESS_FDS		0x08u	/* the whole descriptor table */
#define PROCESS_SERVICE		0x10u	/* unit, cgroup, container, nspid */
/*
 * Not a part: a kernel thread, which has no descriptors of its own, is
 * read no further than what tells it is one (its identity).
 */
#define PROCESS_SKIP_KERNEL	0x20u

/* Growth of the descriptor count over the runs kept in a state file. */
struct trend {
	bool		 have;		/* an earlier run was found */
	int64_t		 delta;		/* change since the last run */
	double		 per_hour;	/* slope of the fitted line */
	unsigned	 rising_runs;	/* consecutive runs with a rise */
	double		 exhausts_in_s;	/* projected; < 0 when never or when
					   the count is not still rising */
	bool		 leak_suspect;	/* still rising over the recent runs */
};

struct process {
	int		 pid;
	unsigned	 have;		/* PROCESS_* flags actually read */
	int		 error;		/* 0 or a negative errno */
	unsigned	 error_part;	/* the PROCESS_* part that failed */
	char		*command;	/* raw bytes from the other process */
	char		*user;
	long		 uid;
	char		*unit;		/* systemd unit, from the cgroup path */
	char		*cgroup;	/* raw bytes from the other process */
	char		*container;	/* 64 hex digits, or NULL */
	int		 nspid;		/* the PID in its own PID namespace
					   when that differs, else 0 */
	uint64_t	 start_time;	/* platform clock ticks since boot */
	bool		 kernel_thread;	/* no descriptor table of its own */
	size_t		 open;
	int		 highest_fd;	/* -1 when none is open or unknown */
	struct fd_limits limits;
	struct fd_entry	*fds;
	size_t		 nfds;

	/* Filled by audit_process(). */
	size_t		 type_counts[FD_TYPE_COUNT];
	size_t		 inheritable;
	uint64_t	 deleted_bytes;	/* held by deleted but open files */
	size_t		 close_wait;	/* TCP sockets in CLOSE_WAIT */
	double		 usage;		/* open / soft limit, < 0 if unlimited */
	bool		 over_fd_setsize;
	enum status	 status;
	enum status	 usage_status;	/* by the thresholds alone, before
					   any forecast raised it */
	struct trend	 trend;
};

/* The system-wide picture: allocated file handles and the limits. */
struct system_info {
	bool		 have;
	uint64_t	 files_allocated;
	uint64_t	 files_max;
	uint64_t	 nr_open;
};

/* A process that could not be read, for the footer of --all. */
struct unreadable {
	int		 pid;
	char		*command;	/* NULL when even that was hidden */
	int		 error;
	bool		 counted;	/* its count and limits are reported */
};

/*
 * What the report adds up to, filled by audit_totals() from every
 * process before --top leaves some out, for every output to tell alike.
 */
struct report_totals {
	enum status	 worst;		/* audit_report_status() */
	size_t		 ok;		/* processes that count, at ok */
	size_t		 above_warning;	/* that count, at warning or worse */
	size_t		 errors;	/* processes that do not count */
};

struct report {
	struct process	*processes;
	size_t		 nprocesses;
	bool		 all;		/* every process (--all) */
	bool		 every_process;	/* --all without -C or -u */
	bool		 summary;	/* no per-descriptor rows */
	bool		 per_fd;	/* descriptor tables were read */
	bool		 offsets;	/* -l: offset and size in the rows */
	bool		 trend;		/* a state file was used */
	bool		 holders;	/* who holds a file or a port: each
					   process with the descriptors that
					   hold it */
	size_t		 not_searched;	/* holders: processes refused */
	uint32_t	 type_filter;	/* bit per fd_type and FD_FILTER_*,
					   0 means all */
	bool		 color;
	int		 width;		/* terminal columns; 0: do not fit */
	bool		 pid_label;	/* Prometheus: a series per PID */
	bool		 by_unit;	/* --all: a row per service */
	int64_t		 wall_time;	/* seconds since the epoch, of the run */
	char		 hostname[256];	/* "" when unknown */
	int		 columns[16];	/* --columns of the --all rows */
	size_t		 ncolumns;	/* 0: the default ones */
	bool		 no_heading;	/* rows only, for scripts */
	struct thresholds thresholds;
	struct system_info system;
	size_t		 examined;	/* processes looked at by --all */
	struct report_totals totals;
	struct unreadable *unreadable;
	size_t		 nunreadable;
	bool		 others_hidden;	/* hidepid keeps other users' out */
	const char	*privilege_hint; /* platform_privilege_hint() */
	double		 duration;	/* seconds the audit took */
	const char	*failure;	/* why the report as a whole failed */
};

/* fdtype.c */
const char	*fdtype_name(enum fd_type);
const char	*fdtype_entry_name(const struct fd_entry *);
int		 fdtype_from_name(const char *, enum fd_type *);
enum fd_type	 fdtype_classify_link(const char *, enum fd_object *);
enum fd_type	 fdtype_classify_mode(unsigned int st_mode);
bool		 fdtype_link_deleted(const char *, size_t *);
int		 fdtype_parse_filter(const char *, uint32_t *, const char **);
bool		 fdtype_filter_matches(uint32_t, const struct fd_entry *);
const char	*fdtype_filter_words(void);
/* Kinds of socket -t selects, in the bits above the types. */
#define FD_FILTER_TCP		(1u << (FD_TYPE_COUNT + 0))
#define FD_FILTER_UDP		(1u << (FD_TYPE_COUNT + 1))
#define FD_FILTER_UNIX		(1u << (FD_TYPE_COUNT + 2))
#define FD_FILTER_NETLINK	(1u << (FD_TYPE_COUNT + 3))

/* fdinfo.c: what a descriptor owns of its details (the parsers: fdinfo.h) */
void		 fd_details_free(struct fd_detail *, size_t);

/* collect.c */
struct collect_filter {
	const char	*command;	/* -C: a prefix or a glob */
	const char	*user;		/* -u: user name or numeric ID */
};
int		 collect_pids(struct report *, const int *, size_t, unsigned);
int		 collect_all(struct report *, const struct collect_filter *,
		    unsigned);
bool		 collect_command_match(const char *, const char *);

/*
 * holders: who holds a file or a port.  Files are known by device and
 * inode, what stat(2) of the named path gives, so a file held under
 * another name (a hard link, another mount) is found too.
 */
struct file_id {
	uint64_t	 dev;
	uint64_t	 ino;
};
struct port_match {
	unsigned	 port;
	char		 host[64];	/* "" for any address */
};
struct hold_query {
	struct file_id	*files;		/* sorted by hold_query_sort */
	size_t		 nfiles;
	size_t		 files_cap;
	struct port_match *ports;
	size_t		 nports;
	bool		 sockets;	/* a file is a UNIX socket's */
};
int		 port_match_parse(const char *, struct port_match *);
void		 hold_query_sort(struct hold_query *);
bool		 hold_query_has_file(const struct hold_query *, uint64_t,
		    uint64_t);
void		 hold_query_free(struct hold_query *);

/* state.c: counts across runs, and the trend they show */
struct trend_options {
	unsigned	 leak_runs;	/* rises in a row that make a suspect */
	double		 horizon_s;	/* projected exhaustion that warns */
	double		 min_span_s;	/* time the runs of a forecast span */
};
struct state_sample {
	int64_t		 time;		/* seconds since the epoch */
	uint64_t	 open;
};
struct state_entry {
	int		 pid;
	uint64_t	 start_time;
	size_t		 nsamples;
	struct state_sample samples[STATE_MAX_SAMPLES];
};
struct state {
	struct state_entry *entries;
	size_t		 nentries;
};
int		 state_parse(const char *, size_t, struct state *);
int		 state_format(FILE *, const struct state *);
void		 state_free(struct state *);
void		 trend_compute(const struct state_entry *, const struct process *,
		    const struct trend_options *, struct trend *);
bool		 trend_rising(const struct state_sample *, size_t, unsigned);
int		 state_apply(const char *, struct report *,
		    const struct trend_options *, char **);

/* audit.c */
void		 audit_process(struct process *, const struct thresholds *);
void		 audit_sort(struct report *);
void		 audit_top(struct report *, size_t);
enum sort_key {
	SORT_USAGE, SORT_OPEN, SORT_PID, SORT_COMMAND, SORT_USER
};
#define SORT_KEY_WORDS	"usage, open, pid, command or user"
int		 audit_sort_key_parse(const char *, enum sort_key *);
void		 audit_sort_by(struct report *, enum sort_key);
bool		 process_in_trouble(const struct process *);
bool		 process_counts(const struct report *, const struct process *);
enum status	 audit_report_status(const struct report *);
void		 audit_totals(struct report *);
enum status	 audit_usage_status(double, size_t,
		    const struct thresholds *);
int		 range_parse(const char *, struct range *);
bool		 range_alerts(const struct range *, double);
void		 thresholds_default(struct thresholds *);
const char	*status_name(enum status);
const char	*mode_name(enum fd_mode);
bool		 fd_is_inheritable(const struct fd_entry *);
bool		 process_shown(const struct process *);
bool		 fd_entry_same(const struct fd_entry *,
		    const struct fd_entry *);
void		 fd_entry_release(struct fd_entry *);
void		 process_free(struct process *);
void		 report_free(struct report *);

/* escape.c */
void		 escape_set_utf8(bool);
bool		 escape_utf8_output(void);
int		 utf8_decode(const unsigned char *, size_t, uint32_t *);
bool		 escape_is_control(uint32_t);
char		*escape_terminal(const char *);
char		*escape_prometheus(const char *);
char		*escape_nagios_label(const char *);

/* textwidth.c: the room text takes on a terminal */
size_t		 textwidth_columns(const char *);
size_t		 textwidth_head(const char *, size_t);
size_t		 textwidth_tail(const char *, size_t);
char		*textwidth_shorten(const char *, size_t, bool, const char *);

/* json.c: a small streaming JSON writer */
struct json_text {
	FILE		*out;
	size_t		 len;
	char		 buf[4096];
};
struct json_writer {
	FILE		*out;
	struct json_text text;
	int		 depth;
	bool		 need_comma[32];
	bool		 after_key;
	bool		 pretty;
};
void	 json_init(struct json_writer *, FILE *, bool);
void	 json_object_begin(struct json_writer *);
void	 json_object_end(struct json_writer *);
void	 json_array_begin(struct json_writer *);
void	 json_array_end(struct json_writer *);
void	 json_key(struct json_writer *, const char *);
void	 json_string(struct json_writer *, const char *);
void	 json_uint(struct json_writer *, uint64_t);
void	 json_int(struct json_writer *, int64_t);
void	 json_double(struct json_writer *, double);
void	 json_bool(struct json_writer *, bool);
void	 json_null(struct json_writer *);

/* output.c and output-*.c */
/*
 * What an output module is handed from its begin to its end: where to
 * write, the report, and room for what it keeps between the calls
 * (state_size bytes, zeroed; at most OUTPUT_STATE_MAX).
 */
#define OUTPUT_STATE_MAX	8192
struct output_context {
	FILE			*out;
	const struct report	*report;
	void			*state;
};
struct output_ops {
	const char	*name;
	size_t		 state_size;
	void		(*begin)(struct output_context *);
	void		(*process)(struct output_context *,
			    const struct process *);
	void		(*end)(struct output_context *);
};
const struct output_ops	*output_find(const char *);
bool			 output_fd_selected(const struct report *,
			    const struct fd_entry *);
void			 output_write(const struct output_ops *, FILE *,
			    const struct report *);
int			 output_file_write(const char *, const char *, FILE *,
			    void (*)(FILE *, const void *), const void *);
int			 output_terminal_width(int);
int			 output_terminal_height(int);
const char		*output_duration(char *, size_t, double);
const char		*output_utc_time(char *, size_t, int64_t);
extern const struct output_ops output_table_ops;
#define TABLE_COLUMNS_MAX	16
int			 table_columns_parse(const char *, int *, size_t *,
			    char **);
void			 table_columns_list(FILE *);
extern const struct output_ops output_json_ops;
extern const struct output_ops output_jsonl_ops;
extern const struct output_ops output_nagios_ops;
extern const struct output_ops output_prometheus_ops;

#endif /* FDAUDIT_H */
