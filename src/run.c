/*
 * fdaudit run: run a command and every process it starts, and report the
 * descriptors each still held when it ended that it did not inherit.  The
 * supervisor (trace-linux.c) says what was open and where it came from;
 * this file classifies, applies the suppressions, groups identical
 * findings across processes, prints, and picks the exit status.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "compat.h"
#include "fdaudit.h"
#include "platform.h"
#include "run.h"

/* Errors of fdaudit itself, after the convention of env(1) and nohup(1). */
#define RUN_EXIT_ERROR		125
#define RUN_EXIT_CANNOT_EXEC	126
#define RUN_EXIT_NOT_FOUND	127

/* A finding shared by this many processes is printed once in a table. */
#define RUN_AGGREGATE_MIN	3
/* Frames of a stack shown in a table; JSON has them all. */
#define RUN_TABLE_FRAMES	8

enum run_class {
	RUN_CLASS_LEAK,
	RUN_CLASS_CROSSED_EXEC,
	RUN_CLASS_UNATTRIBUTED,
	RUN_CLASS_COUNT
};

static const char *const run_class_names[RUN_CLASS_COUNT] = {
	[RUN_CLASS_LEAK] = "leak",
	[RUN_CLASS_CROSSED_EXEC] = "crossed_exec",
	[RUN_CLASS_UNATTRIBUTED] = "unattributed",
};

enum run_long_only {
	OPT_NO_STACKS = 256,
	OPT_SUPPRESSIONS,
	OPT_IGNORE_FD,
	OPT_FOLLOW,
	OPT_NO_FOLLOW,
	OPT_LEAK_EXITCODE,
	OPT_CROSSED_FAILS,
	OPT_NO_PIN,
	OPT_NO_PRELOAD,
	OPT_NO_DEFAULT_SUPPRESSIONS,
	OPT_THRESHOLD,
};

struct run_options {
	bool		 json;
	bool		 stacks;
	bool		 follow;
	bool		 crossed_fails;
	bool		 pin_cpu;
	bool		 preload;
	int		 leak_exitcode;
	const char	*output;
	const char	*suppressions;
	bool		 default_suppressions;
	unsigned	 threshold;
	int		*ignore_fds;
	size_t		 nignore_fds;
	struct suppress_set rules;
	char *const	*command;
};

struct run_leak {
	int		 fd;
	enum fd_type	 type;
	char		*target;
	bool		 cloexec;
	bool		 have_flags;
	enum run_class	 class;
	const char	*syscall;	/* static, or NULL */
	struct trace_frame *stack;
	size_t		 nstack;
	char		*test;		/* the test it was made in, or NULL */
	const struct trace_frame *site;	/* the user's line, or NULL */
	bool		 aggregated;	/* printed once for many processes */
};

struct run_proc {
	int		 pid;
	int		 ppid;
	char		*command;
	char		**argv;
	size_t		 argc;
	int		 wait_status;
	enum trace_check checked;
	bool		 python;
	struct run_leak	*leaks;
	size_t		 nleaks;
};

/* Findings alike in class, type, call and stack, across processes. */
struct run_group {
	enum run_class	 class;
	enum fd_type	 type;
	const char	*syscall;
	const struct run_leak *example;
	size_t		 nprocs;
	int		 last_pid;
	int		 pids[8];
};

/* Findings of one process alike in class, type, call and stack. */
struct run_site {
	const struct run_leak *example;
	size_t		 count;
	int		 fds[8];	/* the first few numbers */
};

/* A process's table while it ran: out of descriptors, or --threshold. */
struct run_snapshot {
	struct trace_snapshot why;
	struct run_proc	 proc;		/* the descriptors it made */
	size_t		 open;		/* all it held */
	struct run_site	*sites;		/* most descriptors first */
	size_t		 nsites;
};

struct run_report {
	const struct run_options *opt;
	struct run_proc	*procs;
	size_t		 nprocs;
	size_t		 seen;		/* processes that ended */
	size_t		 counts[RUN_CLASS_COUNT];
	size_t		 suppressed_by_default;
	struct run_snapshot *snapshots;
	size_t		 nsnapshots;
	size_t		 python_at_exit_only;	/* unsupported Pythons */
	struct run_group *groups;
	size_t		 ngroups;
	int		*tracers;	/* PIDs that called ptrace */
	size_t		 ntracers;
	int		 wait_status;
	bool		 oom;
};

/*
 * The synopsis of fdaudit run, after "usage: " here and after the main
 * synopsis in fdaudit's usage(): both are seven columns wide.
 */
const char run_synopsis[] =
    "fdaudit run [-h] [-f format] [-o file] [--no-stacks]\n"
    "                   [--suppressions file] [--no-default-suppressions]\n"
    "                   [--threshold n] [--ignore-fd n]\n"
    "                   [--follow-forks | --no-follow]\n"
    "                   [--leak-exitcode n] [--crossed-exec-fails] "
    "[--no-pin]\n"
    "                   [--no-preload] [--] command [arg ...]\n";

static void
run_usage(FILE *out)
{
	fprintf(out, "usage: %s", run_synopsis);
}

static void
run_help(void)
{
	run_usage(stdout);
	fputs("\n"
	    "Run COMMAND and every process it starts; when each ends (a Python\n"
	    "program: when it starts to shut down), report the descriptors it\n"
	    "still held that it did not inherit, on standard error.\n"
	    "\n"
	    "  -f, --format FMT       table (default) or json\n"
	    "  -o, --output FILE      write the report to FILE, not standard "
	    "error\n"
	    "      --no-stacks        do not record where descriptors were "
	    "made\n"
	    "      --suppressions F   rules of findings not to report\n"
	    "      --no-default-suppressions\n"
	    "                         report runtimes' own descriptors too\n"
	    "      --threshold N      a snapshot when a process holds N\n"
	    "      --ignore-fd N      never report descriptor N (repeatable)\n"
	    "      --follow-forks     report every process (default)\n"
	    "      --no-follow        report the command's own process only\n"
	    "      --leak-exitcode N  exit status when leaks are found "
	    "(default 1)\n"
	    "      --crossed-exec-fails  crossed_exec findings fail too\n"
	    "      --no-pin           do not keep fdaudit and COMMAND on one "
	    "CPU\n"
	    "      --no-preload       stop at every creating call, never "
	    "preload\n"
	    "\n"
	    "Exit status: COMMAND's own when it failed; else N when leaks were\n"
	    "found; 125 fdaudit error, 126 cannot execute, 127 not found.\n",
	    stdout);
}

/* A command-line error: one line, then the status of a fdaudit error. */
static const struct cli run_cli = { "fdaudit run", "fdaudit run --help",
    RUN_EXIT_ERROR, false };

static void __attribute__((noreturn))
run_out_of_memory(void)
{
	fputs("fdaudit run: out of memory\n", stderr);
	exit(RUN_EXIT_ERROR);
}

static long long
run_number(const char *arg, const char *what, long long min, long long max)
{
	const char *errstr;
	long long v = strtonum(arg, min, max, &errstr);

	if (errstr != NULL)
		cli_usage_error(&run_cli, "%s \"%s\" is %s: give a whole "
		    "number from %lld to %lld", what, arg, errstr, min, max);
	return v;
}

static void
ignore_fd_add(struct run_options *opt, const char *arg)
{
	int *grown = reallocarray(opt->ignore_fds, opt->nignore_fds + 1,
	    sizeof(*grown));

	if (grown == NULL)
		run_out_of_memory();
	opt->ignore_fds = grown;
	grown[opt->nignore_fds++] = (int)run_number(arg, "--ignore-fd", 0,
	    INT_MAX);
}

/*
 * The user's rules first, then the defaults: a finding both would hide
 * counts as the user's.  Default rules that cannot be found are said
 * once; the run goes on without them.
 */
static void
suppressions_load(struct run_options *opt)
{
	char *defaults = NULL;
	size_t lineno;
	int error;

	if (opt->suppressions != NULL && (error = suppress_load(&opt->rules,
	    opt->suppressions, false, &lineno)) != 0) {
		if (error == -EINVAL)
			cli_usage_error(&run_cli, "%s:%zu: not a rule: use "
			    "conditions path:GLOB, type:NAME, syscall:NAME, "
			    "frame:GLOB or command:GLOB", opt->suppressions,
			    lineno);
		cli_usage_error(&run_cli, "%s: %s", opt->suppressions,
		    strerror(-error));
	}
	if (!opt->default_suppressions)
		return;
	if ((defaults = trace_data_find(SUPPRESS_DEFAULT_FILE)) == NULL)
		fprintf(stderr, "fdaudit run: %s not found: runtimes' own "
		    "descriptors will be reported\n", SUPPRESS_DEFAULT_FILE);
	else if ((error = suppress_load(&opt->rules, defaults, true,
	    &lineno)) != 0)
		fprintf(stderr, "fdaudit run: %s:%zu: %s; default rules "
		    "not used\n", defaults, lineno, error == -EINVAL ?
		    "not a rule" : strerror(-error));
	free(defaults);
}

static void
run_option_apply(struct run_options *opt, int ch, char **argv)
{
	switch (ch) {
	case 'f':
		if (strcmp(optarg, "json") == 0)
			opt->json = true;
		else if (strcmp(optarg, "table") == 0)
			opt->json = false;
		else
			cli_usage_error(&run_cli, "unknown format \"%s\": use "
			    "table or json", optarg);
		break;
	case 'h':
		run_help();
		exit(0);
	case 'o':
		opt->output = optarg;
		break;
	case OPT_NO_STACKS:
		opt->stacks = false;
		break;
	case OPT_SUPPRESSIONS:
		opt->suppressions = optarg;
		break;
	case OPT_IGNORE_FD:
		ignore_fd_add(opt, optarg);
		break;
	case OPT_FOLLOW:
		opt->follow = true;
		break;
	case OPT_NO_FOLLOW:
		opt->follow = false;
		break;
	case OPT_LEAK_EXITCODE:
		opt->leak_exitcode = (int)run_number(optarg, "--leak-exitcode",
		    0, 255);
		break;
	case OPT_CROSSED_FAILS:
		opt->crossed_fails = true;
		break;
	case OPT_NO_PIN:
		opt->pin_cpu = false;
		break;
	case OPT_NO_PRELOAD:
		opt->preload = false;
		break;
	case OPT_NO_DEFAULT_SUPPRESSIONS:
		opt->default_suppressions = false;
		break;
	case OPT_THRESHOLD:
		opt->threshold = (unsigned)run_number(optarg, "--threshold", 1,
		    1 << 30);
		break;
	case ':':
		cli_usage_error(&run_cli, "option \"%s\" needs an argument",
		    argv[optind - 1]);
	default:
		if (optopt != 0)
			cli_usage_error(&run_cli, "unknown option \"-%c\"",
			    optopt);
		cli_usage_error(&run_cli, "unknown option \"%s\"",
		    argv[optind - 1]);
	}
}

static void
run_options_parse(int argc, char **argv, struct run_options *opt)
{
	static const struct option longopts[] = {
		{ "crossed-exec-fails", no_argument,	NULL, OPT_CROSSED_FAILS },
		{ "follow-forks", no_argument,		NULL, OPT_FOLLOW },
		{ "format",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "ignore-fd",	required_argument,	NULL, OPT_IGNORE_FD },
		{ "leak-exitcode", required_argument,	NULL, OPT_LEAK_EXITCODE },
		{ "no-default-suppressions", no_argument, NULL,
		    OPT_NO_DEFAULT_SUPPRESSIONS },
		{ "no-follow",	no_argument,		NULL, OPT_NO_FOLLOW },
		{ "no-pin",	no_argument,		NULL, OPT_NO_PIN },
		{ "no-preload",	no_argument,		NULL, OPT_NO_PRELOAD },
		{ "no-stacks",	no_argument,		NULL, OPT_NO_STACKS },
		{ "output",	required_argument,	NULL, 'o' },
		{ "suppressions", required_argument,	NULL, OPT_SUPPRESSIONS },
		{ "threshold",	required_argument,	NULL, OPT_THRESHOLD },
		{ NULL,		0,			NULL, 0 }
	};
	int ch;

	optind = 1;
	opterr = 0;
	/* "+": the first word that is not an option starts the command. */
	while ((ch = getopt_long(argc, argv, "+:f:ho:", longopts, NULL)) !=
	    -1)
		run_option_apply(opt, ch, argv);
	if (optind >= argc)
		cli_usage_error(&run_cli, "no command given");
	opt->command = argv + optind;
}

/*
 * Whether a descriptor is the script an interpreter runs: bash keeps its
 * script open (at 255) while it reads it, and so may others.  The kernel
 * passes the script as an argument, absolute or relative to the working
 * directory the process started in.
 */
static bool
run_own_script(const struct trace_exit *e, const struct trace_fd *f)
{
	size_t tlen, alen;

	if (f->type != FD_TYPE_FILE || f->target == NULL)
		return false;
	tlen = strlen(f->target);
	for (size_t i = 1; i < e->argc && i <= 3; i++) {
		const char *arg = e->argv[i];

		while (arg[0] == '.' && arg[1] == '/')
			arg += 2;
		alen = strlen(arg);
		if (alen == 0 || alen > tlen)
			continue;
		if (strcmp(f->target + tlen - alen, arg) != 0)
			continue;
		if (arg[0] == '/' ? alen == tlen :
		    alen < tlen && f->target[tlen - alen - 1] == '/')
			return true;
	}
	return false;
}

/*
 * Inherited descriptors are not findings; a record says where one was
 * made; a descriptor without either came by a way that is not traced.
 * Returns false for descriptors that are not findings at all.
 */
static bool
run_classify(const struct trace_exit *e, const struct trace_fd *f,
    enum run_class *class)
{
	if (f->inherited || f->fd <= 2 || run_own_script(e, f))
		return false;
	if (f->origin == NULL) {
		*class = RUN_CLASS_UNATTRIBUTED;
		return true;
	}
	switch (f->origin->state) {
	case TRACE_ORIGIN_STDIO:
		return false;
	case TRACE_ORIGIN_CROSSED:
		*class = RUN_CLASS_CROSSED_EXEC;
		return true;
	default:
		*class = RUN_CLASS_LEAK;
		return true;
	}
}

/* Whether a finding is not to be reported, and by which rule. */
static enum suppress_match
run_suppressed(const struct run_options *opt, const struct run_leak *l,
    const char *command)
{
	struct suppress_finding f = { .type = l->type, .target = l->target,
	    .syscall = l->syscall, .command = command, .stack = l->stack,
	    .nstack = l->nstack };

	for (size_t i = 0; i < opt->nignore_fds; i++) {
		if (opt->ignore_fds[i] == l->fd)
			return SUPPRESS_USER;
	}
	return suppress_match(&opt->rules, &f);
}

static int
stack_copy(struct run_leak *l, const struct trace_fd *f)
{
	if (f->nstack == 0)
		return 0;
	if ((l->stack = calloc(f->nstack, sizeof(*l->stack))) == NULL)
		return -ENOMEM;
	for (; l->nstack < f->nstack; l->nstack++) {
		const struct trace_frame *from = &f->stack[l->nstack];
		struct trace_frame *to = &l->stack[l->nstack];

		*to = (struct trace_frame){ .pc = from->pc,
		    .line = from->line, .python = from->python };
		if ((from->function && !(to->function =
		    strdup(from->function))) ||
		    (from->file && !(to->file = strdup(from->file))) ||
		    (from->object && !(to->object = strdup(from->object)))) {
			l->nstack++;
			return -ENOMEM;
		}
	}
	return 0;
}

static void
run_leak_free(struct run_leak *l)
{
	free(l->target);
	free(l->test);
	for (size_t i = 0; i < l->nstack; i++) {
		free(l->stack[i].function);
		free(l->stack[i].file);
		free(l->stack[i].object);
	}
	free(l->stack);
}

/*
 * Where in the user's own code a descriptor was made: the innermost
 * Python frame outside the interpreter's library and installed packages,
 * else the innermost native frame with a source file outside the
 * system's libraries.  A leak through socket.socketpair() is the user's
 * line that called it, not socket.py's; through fopen(), the caller's.
 */
static bool
frame_is_library(const struct trace_frame *f)
{
	static const char *const python[] = { "/lib/python", "/lib64/python",
	    "site-packages/", "dist-packages/", "<frozen " };
	static const char *const native[] = { "/lib/", "/lib64/",
	    "/usr/lib/", "/usr/lib64/" };

	if (f->python) {
		for (size_t i = 0; i < sizeof(python) / sizeof(python[0]); i++)
			if (strstr(f->file, python[i]) != NULL)
				return true;
		return false;
	}
	for (size_t i = 0; f->object != NULL &&
	    i < sizeof(native) / sizeof(native[0]); i++)
		if (strncmp(f->object, native[i], strlen(native[i])) == 0)
			return true;
	return false;
}

static const struct trace_frame *
leak_site(const struct trace_frame *stack, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (stack[i].file != NULL && stack[i].python == stack[0].python &&
		    !frame_is_library(&stack[i]))
			return &stack[i];
	}
	return NULL;
}

/* A Python test function and its file, as pytest and unittest name them. */
static bool
test_frame(const struct trace_frame *f)
{
	const char *base, *name;
	size_t len;

	if (!f->python || f->file == NULL || f->function == NULL)
		return false;
	base = strrchr(f->file, '/');
	base = base != NULL ? base + 1 : f->file;
	name = strrchr(f->function, '.');
	name = name != NULL ? name + 1 : f->function;
	len = strlen(base);
	return strncmp(name, "test", 4) == 0 && (strncmp(base, "test_",
	    5) == 0 || (len > 8 && strcmp(base + len - 8, "_test.py") == 0));
}

/*
 * The test a descriptor was made in: the innermost test function of its
 * Python stack, "tests/test_io.py::TestIO::test_reads", its file taken
 * relative to fdaudit's working directory when it lies below it.
 */
static char *
test_name(const struct trace_frame *stack, size_t n)
{
	char cwd[PATH_MAX], *name, *p;
	const char *file, *q;
	size_t len, dots = 0;

	for (size_t i = 0; i < n; i++) {
		if (!test_frame(&stack[i]))
			continue;
		file = stack[i].file;
		if (getcwd(cwd, sizeof(cwd)) != NULL &&
		    strncmp(file, cwd, len = strlen(cwd)) == 0 &&
		    file[len] == '/')
			file += len + 1;
		/* A method's qualified name "TestIO.test_reads" takes "::". */
		for (q = stack[i].function; *q != '\0'; q++)
			dots += *q == '.';
		len = strlen(file) + 2 + strlen(stack[i].function) + dots + 1;
		if ((name = malloc(len)) == NULL)
			return NULL;
		p = name + snprintf(name, len, "%s::", file);
		for (q = stack[i].function; *q != '\0'; q++) {
			if (*q == '.')
				*p++ = ':';
			*p++ = *q == '.' ? ':' : *q;
		}
		*p = '\0';
		return name;
	}
	return NULL;
}

static int
leak_add(struct run_proc *p, const struct trace_fd *f, enum run_class class)
{
	struct run_leak *grown;

	grown = reallocarray(p->leaks, p->nleaks + 1, sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	p->leaks = grown;
	grown[p->nleaks] = (struct run_leak){ .fd = f->fd, .type = f->type,
	    .cloexec = f->cloexec, .have_flags = f->have_flags,
	    .class = class, .syscall = f->origin ? f->origin->syscall : NULL };
	p->nleaks++;
	if ((grown[p->nleaks - 1].target = strdup(f->target ? f->target :
	    "")) == NULL)
		return -ENOMEM;
	if (stack_copy(&grown[p->nleaks - 1], f) != 0)
		return -ENOMEM;
	grown[p->nleaks - 1].test = test_name(f->stack, f->nstack);
	grown[p->nleaks - 1].site = leak_site(grown[p->nleaks - 1].stack,
	    grown[p->nleaks - 1].nstack);
	return 0;
}

static int
proc_identity_copy(struct run_proc *p, const struct trace_exit *e)
{
	if (e->command != NULL && (p->command = strdup(e->command)) == NULL)
		return -ENOMEM;
	if (e->argc > 0 && (p->argv = calloc(e->argc, sizeof(char *))) ==
	    NULL)
		return -ENOMEM;
	for (; p->argc < e->argc; p->argc++) {
		if ((p->argv[p->argc] = strdup(e->argv[p->argc])) == NULL)
			return -ENOMEM;
	}
	return 0;
}

static void
run_proc_free(struct run_proc *p)
{
	for (size_t i = 0; i < p->nleaks; i++)
		run_leak_free(&p->leaks[i]);
	for (size_t i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->leaks);
	free(p->argv);
	free(p->command);
}

/* The supervisor's callback: one process has ended. */
static void
run_on_exit(void *arg, const struct trace_exit *e)
{
	struct run_report *rep = arg;
	struct run_proc p = { .pid = e->pid, .ppid = e->ppid,
	    .wait_status = e->wait_status, .checked = e->checked,
	    .python = e->python };
	struct run_proc *grown;
	enum run_class class;
	enum suppress_match match;

	if (!rep->opt->follow && !e->root)
		return;
	rep->seen++;
	rep->python_at_exit_only += e->python_unsupported;
	for (size_t i = 0; i < e->nfds; i++) {
		size_t before = p.nleaks;

		if (!run_classify(e, &e->fds[i], &class))
			continue;
		if (leak_add(&p, &e->fds[i], class) != 0) {
			rep->oom = true;
			break;
		}
		if ((match = run_suppressed(rep->opt, &p.leaks[before],
		    e->command)) != SUPPRESS_NONE) {
			run_leak_free(&p.leaks[before]);
			p.nleaks = before;
			rep->suppressed_by_default += match == SUPPRESS_DEFAULT;
			continue;
		}
		rep->counts[class]++;
	}
	if (p.nleaks == 0) {
		run_proc_free(&p);
		return;
	}
	grown = reallocarray(rep->procs, rep->nprocs + 1, sizeof(*grown));
	if (grown == NULL || proc_identity_copy(&p, e) != 0) {
		rep->oom = true;
		run_proc_free(&p);
		if (grown != NULL)
			rep->procs = grown;
		return;
	}
	rep->procs = grown;
	rep->procs[rep->nprocs++] = p;
}

static void
run_on_ptrace(void *arg, int pid, const char *command)
{
	struct run_report *rep = arg;
	int *grown;

	(void)command;
	for (size_t i = 0; i < rep->ntracers; i++) {
		if (rep->tracers[i] == pid)
			return;
	}
	if ((grown = reallocarray(rep->tracers, rep->ntracers + 1,
	    sizeof(*grown))) == NULL)
		return;
	rep->tracers = grown;
	grown[rep->ntracers++] = pid;
}

static bool
same_text(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Addresses differ between runs of a program; names and lines do not. */
static bool
same_stack(const struct run_leak *a, const struct run_leak *b)
{
	if (a->nstack != b->nstack)
		return false;
	for (size_t i = 0; i < a->nstack; i++) {
		const struct trace_frame *x = &a->stack[i], *y = &b->stack[i];

		if (!same_text(x->function, y->function) ||
		    !same_text(x->file, y->file) || x->line != y->line ||
		    !same_text(x->object, y->object) || x->python != y->python)
			return false;
	}
	return true;
}

static bool
group_matches(const struct run_group *g, const struct run_leak *l)
{
	return g->class == l->class && g->type == l->type &&
	    same_text(g->syscall, l->syscall) && same_stack(g->example, l);
}

static struct run_group *
group_find(struct run_report *rep, const struct run_leak *l)
{
	struct run_group *grown;

	for (size_t i = 0; i < rep->ngroups; i++) {
		if (group_matches(&rep->groups[i], l))
			return &rep->groups[i];
	}
	grown = reallocarray(rep->groups, rep->ngroups + 1, sizeof(*grown));
	if (grown == NULL)
		return NULL;
	rep->groups = grown;
	grown[rep->ngroups] = (struct run_group){ .class = l->class,
	    .type = l->type, .syscall = l->syscall, .example = l };
	return &grown[rep->ngroups++];
}

static bool
same_leak(const struct run_leak *a, const struct run_leak *b)
{
	return a->class == b->class && a->type == b->type &&
	    same_text(a->syscall, b->syscall) && same_stack(a, b);
}

static int
site_count_compare(const void *a, const void *b)
{
	const struct run_site *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/*
 * Total the findings of one process made at the same place, most first:
 * a leak in a loop is one site with a count, not a page per descriptor.
 */
static int
sites_group(const struct run_leak *leaks, size_t n, struct run_site **out,
    size_t *nout)
{
	struct run_site *sites = NULL, *grown;
	size_t nsites = 0, j;

	for (size_t i = 0; i < n; i++) {
		for (j = 0; j < nsites; j++) {
			if (same_leak(sites[j].example, &leaks[i]))
				break;
		}
		if (j == nsites) {
			grown = reallocarray(sites, nsites + 1, sizeof(*grown));
			if (grown == NULL) {
				free(sites);
				return -ENOMEM;
			}
			sites = grown;
			sites[nsites++] = (struct run_site){ .example =
			    &leaks[i] };
		}
		if (sites[j].count < 8)
			sites[j].fds[sites[j].count] = leaks[i].fd;
		sites[j].count++;
	}
	if (nsites > 1)
		qsort(sites, nsites, sizeof(*sites), site_count_compare);
	*out = sites;
	*nout = nsites;
	return 0;
}

/*
 * The supervisor's callback: a running process ran out of descriptors or
 * reached --threshold.  Every descriptor it made is kept, suppressed or
 * not, so the report can say what fills the table and where it was made;
 * the standard streams and what it inherited only count.
 */
static void
run_on_snapshot(void *arg, const struct trace_exit *e,
    const struct trace_snapshot *why)
{
	struct run_report *rep = arg;
	struct run_snapshot snap = { .why = *why, .open = e->nfds,
	    .proc = { .pid = e->pid, .ppid = e->ppid } };
	struct run_snapshot *grown;
	enum run_class class;

	for (size_t i = 0; i < e->nfds; i++) {
		if (!run_classify(e, &e->fds[i], &class))
			continue;
		if (leak_add(&snap.proc, &e->fds[i], class) != 0)
			rep->oom = true;
	}
	grown = reallocarray(rep->snapshots, rep->nsnapshots + 1,
	    sizeof(*grown));
	if (grown == NULL || proc_identity_copy(&snap.proc, e) != 0 ||
	    sites_group(snap.proc.leaks, snap.proc.nleaks, &snap.sites,
	    &snap.nsites) != 0) {
		rep->oom = true;
		run_proc_free(&snap.proc);
		if (grown != NULL)
			rep->snapshots = grown;
		return;
	}
	rep->snapshots = grown;
	rep->snapshots[rep->nsnapshots++] = snap;
}

/*
 * Group findings by class, type, creating call and (with stacks) stack,
 * counting each process once, so a leak repeated in every child of a
 * server is one finding with a count rather than a thousand rows.
 */
static void
run_aggregate(struct run_report *rep)
{
	for (size_t i = 0; i < rep->nprocs; i++) {
		const struct run_proc *p = &rep->procs[i];

		for (size_t j = 0; j < p->nleaks; j++) {
			struct run_group *g = group_find(rep, &p->leaks[j]);

			if (g == NULL)
				return;
			if (g->nprocs > 0 && g->last_pid == p->pid)
				continue;
			g->last_pid = p->pid;
			if (g->nprocs < 8)
				g->pids[g->nprocs] = p->pid;
			g->nprocs++;
		}
	}
	for (size_t i = 0; i < rep->nprocs; i++) {
		struct run_proc *p = &rep->procs[i];

		for (size_t j = 0; j < p->nleaks; j++) {
			struct run_group *g = group_find(rep, &p->leaks[j]);

			p->leaks[j].aggregated = g != NULL &&
			    g->nprocs >= RUN_AGGREGATE_MIN;
		}
	}
}

static void
json_wait_status(struct json_writer *w, int status)
{
	json_key(w, "exit_status");
	if (WIFSIGNALED(status))
		json_int(w, 128 + WTERMSIG(status));
	else
		json_int(w, WEXITSTATUS(status));
	json_key(w, "signal");
	if (WIFSIGNALED(status))
		json_int(w, WTERMSIG(status));
	else
		json_null(w);
}

static void
json_text_or_null(struct json_writer *w, const char *key, const char *text)
{
	json_key(w, key);
	if (text != NULL)
		json_string(w, text);
	else
		json_null(w);
}

static void
json_frame(struct json_writer *w, const struct trace_frame *f)
{
	json_object_begin(w);
	json_text_or_null(w, "function", f->function);
	json_text_or_null(w, "file", f->file);
	json_key(w, "line");
	if (f->file != NULL)
		json_int(w, f->line);
	else
		json_null(w);
	json_text_or_null(w, "object", f->object);
	json_key(w, "pc");
	if (f->python)
		json_null(w);
	else
		json_uint(w, f->pc);
	json_key(w, "python");
	json_bool(w, f->python);
	json_object_end(w);
}

static void
json_leak(struct json_writer *w, const struct run_leak *l)
{
	json_object_begin(w);
	json_key(w, "fd");
	json_int(w, l->fd);
	json_key(w, "type");
	json_string(w, fdtype_name(l->type));
	json_key(w, "target");
	json_string(w, l->target);
	json_key(w, "cloexec");
	if (l->have_flags)
		json_bool(w, l->cloexec);
	else
		json_null(w);
	json_key(w, "class");
	json_string(w, run_class_names[l->class]);
	json_key(w, "syscall");
	if (l->syscall != NULL)
		json_string(w, l->syscall);
	else
		json_null(w);
	json_text_or_null(w, "test", l->test);
	json_key(w, "site");
	if (l->site != NULL)
		json_frame(w, l->site);
	else
		json_null(w);
	json_key(w, "stack");
	json_array_begin(w);
	for (size_t i = 0; i < l->nstack; i++)
		json_frame(w, &l->stack[i]);
	json_array_end(w);
	json_object_end(w);
}

static void
json_argv(struct json_writer *w, char *const *argv, size_t argc)
{
	json_array_begin(w);
	for (size_t i = 0; i < argc; i++)
		json_string(w, argv[i]);
	json_array_end(w);
}

static void
json_proc(struct json_writer *w, const struct run_proc *p)
{
	json_object_begin(w);
	json_key(w, "pid");
	json_int(w, p->pid);
	json_key(w, "ppid");
	json_int(w, p->ppid);
	json_key(w, "command");
	json_string(w, p->command != NULL ? p->command : "");
	json_key(w, "argv");
	json_argv(w, p->argv, p->argc);
	json_wait_status(w, p->wait_status);
	json_key(w, "checked");
	json_string(w, p->checked == TRACE_CHECK_PYTHON_SHUTDOWN ?
	    "python_shutdown" : "exit");
	json_key(w, "leaks");
	json_array_begin(w);
	for (size_t i = 0; i < p->nleaks; i++)
		json_leak(w, &p->leaks[i]);
	json_array_end(w);
	json_object_end(w);
}

static void
json_groups(struct json_writer *w, const struct run_report *rep)
{
	json_key(w, "aggregated");
	json_array_begin(w);
	for (size_t i = 0; i < rep->ngroups; i++) {
		const struct run_group *g = &rep->groups[i];

		if (g->nprocs < 2)
			continue;
		json_object_begin(w);
		json_key(w, "processes");
		json_uint(w, g->nprocs);
		json_key(w, "pids");
		json_array_begin(w);
		for (size_t j = 0; j < g->nprocs && j < 8; j++)
			json_int(w, g->pids[j]);
		json_array_end(w);
		json_key(w, "leak");
		json_leak(w, g->example);
		json_object_end(w);
	}
	json_array_end(w);
}

static void
json_snapshot(struct json_writer *w, const struct run_snapshot *snap)
{
	json_object_begin(w);
	json_key(w, "pid");
	json_int(w, snap->proc.pid);
	json_key(w, "command");
	json_string(w, snap->proc.command != NULL ? snap->proc.command : "");
	json_key(w, "reason");
	json_string(w, snap->why.reason == TRACE_SNAPSHOT_THRESHOLD ?
	    "threshold" : snap->why.error == ENFILE ? "ENFILE" : "EMFILE");
	json_text_or_null(w, "syscall", snap->why.syscall);
	json_key(w, "open");
	json_uint(w, snap->open);
	json_key(w, "sites");
	json_array_begin(w);
	for (size_t i = 0; i < snap->nsites; i++) {
		json_object_begin(w);
		json_key(w, "count");
		json_uint(w, snap->sites[i].count);
		json_key(w, "example");
		json_leak(w, snap->sites[i].example);
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
}

static void
run_json(FILE *out, const struct run_report *rep)
{
	struct json_writer w;
	size_t argc = 0;

	while (rep->opt->command[argc] != NULL)
		argc++;
	json_init(&w, out, true);
	json_object_begin(&w);
	json_key(&w, "version");
	json_uint(&w, FDAUDIT_JSON_VERSION);
	json_key(&w, "mode");
	json_string(&w, "run");
	json_key(&w, "command");
	json_argv(&w, rep->opt->command, argc);
	json_wait_status(&w, rep->wait_status);
	json_key(&w, "summary");
	json_object_begin(&w);
	json_key(&w, "processes");
	json_uint(&w, rep->seen);
	for (int c = 0; c < RUN_CLASS_COUNT; c++) {
		json_key(&w, run_class_names[c]);
		json_uint(&w, rep->counts[c]);
	}
	json_key(&w, "suppressed_by_default");
	json_uint(&w, rep->suppressed_by_default);
	json_key(&w, "python_checked_at_exit_only");
	json_uint(&w, rep->python_at_exit_only);
	json_object_end(&w);
	json_key(&w, "processes");
	json_array_begin(&w);
	for (size_t i = 0; i < rep->nprocs; i++)
		json_proc(&w, &rep->procs[i]);
	json_array_end(&w);
	json_groups(&w, rep);
	json_key(&w, "snapshots");
	json_array_begin(&w);
	for (size_t i = 0; i < rep->nsnapshots; i++)
		json_snapshot(&w, &rep->snapshots[i]);
	json_array_end(&w);
	json_object_end(&w);
	fputc('\n', out);
}

static void
table_frame(FILE *out, const struct trace_frame *f)
{
	const char *object = f->object != NULL ? f->object : "?";
	const char *base = strrchr(object, '/');
	char *function = escape_terminal(f->function ? f->function : "??");
	char *file = f->file ? escape_terminal(f->file) : NULL;
	/* The traced program names its own modules: escaped like the rest. */
	char *module = escape_terminal(base != NULL ? base + 1 : object);

	if (f->function != NULL)
		fprintf(out, "         at %s", function ? function : "?");
	else
		fprintf(out, "         at %#llx", (unsigned long long)f->pc);
	if (file != NULL)
		fprintf(out, " (%s:%d)", file, f->line);
	if (f->python)
		fputc('\n', out);
	else
		fprintf(out, " in %s\n", module != NULL ? module : "?");
	free(function);
	free(file);
	free(module);
}

static void
table_site(FILE *out, const struct trace_frame *f)
{
	char *file = escape_terminal(f->file);
	char *function = escape_terminal(f->function ? f->function : "?");

	fprintf(out, "         made at %s:%d in %s\n", file ? file : "?",
	    f->line, function ? function : "?");
	free(file);
	free(function);
}

/* "and 9 more alike: 4, 5, 6, ...": a site's other descriptors. */
static void
table_alike(FILE *out, const struct run_site *site)
{
	fprintf(out, "         and %zu more alike:", site->count - 1);
	for (size_t i = 1; i < site->count && i < 8; i++)
		fprintf(out, "%s %d", i > 1 ? "," : "", site->fds[i]);
	fputs(site->count > 8 ? ", ...\n" : "\n", out);
}

static void
table_leak(FILE *out, const struct run_leak *l, const struct run_site *site)
{
	char *target = escape_terminal(l->target != NULL ? l->target : "");

	fprintf(out, "  %5d  %-13s %-11s %-7s %-16s %s\n", l->fd,
	    run_class_names[l->class], fdtype_name(l->type),
	    !l->have_flags ? "?" : l->cloexec ? "yes" : "no",
	    l->syscall != NULL ? l->syscall : "-", target ? target : "?");
	free(target);
	if (site != NULL && site->count > 1)
		table_alike(out, site);
	if (l->site != NULL)
		table_site(out, l->site);
	if (l->test != NULL && (target = escape_terminal(l->test)) != NULL) {
		fprintf(out, "         in test %s\n", target);
		free(target);
	}
	for (size_t i = 0; i < l->nstack && i < RUN_TABLE_FRAMES; i++)
		table_frame(out, &l->stack[i]);
}

static void
table_header(FILE *out)
{
	fprintf(out, "  %5s  %-13s %-11s %-7s %-16s %s\n", "FD", "CLASS",
	    "TYPE", "CLOEXEC", "SYSCALL", "TARGET");
}

static void
table_proc(FILE *out, const struct run_proc *p)
{
	char *command = escape_terminal(p->command ? p->command : "?");
	struct run_site *sites = NULL;
	size_t nsites = 0;
	bool any = false;

	for (size_t i = 0; i < p->nleaks; i++)
		any |= !p->leaks[i].aggregated;
	if (!any) {
		free(command);
		return;
	}
	fprintf(out, "PID %d (%s), parent %d, ", p->pid, command ? command :
	    "?", p->ppid);
	if (WIFSIGNALED(p->wait_status))
		fprintf(out, "killed by signal %d\n", WTERMSIG(p->wait_status));
	else
		fprintf(out, "exit %d\n", WEXITSTATUS(p->wait_status));
	free(command);
	table_header(out);
	if (sites_group(p->leaks, p->nleaks, &sites, &nsites) != 0) {
		for (size_t i = 0; i < p->nleaks; i++) {
			if (!p->leaks[i].aggregated)
				table_leak(out, &p->leaks[i], NULL);
		}
	}
	for (size_t i = 0; i < nsites; i++) {
		if (!sites[i].example->aggregated)
			table_leak(out, sites[i].example, &sites[i]);
	}
	free(sites);
	fputc('\n', out);
}

static void
table_snapshot_title(FILE *out, const struct run_snapshot *snap)
{
	char *command = escape_terminal(snap->proc.command ?
	    snap->proc.command : "?");

	fprintf(out, "PID %d (%s) ", snap->proc.pid, command ? command : "?");
	if (snap->why.reason == TRACE_SNAPSHOT_THRESHOLD)
		fprintf(out, "holds %zu descriptors (--threshold)", snap->open);
	else
		fprintf(out, "ran out of descriptors: %s failed with %s (%s) "
		    "while it held %zu", snap->why.syscall ? snap->why.syscall :
		    "a call", snap->why.error == ENFILE ? "ENFILE" : "EMFILE",
		    strerror(snap->why.error), snap->open);
	fputs("; by where they were made, most first:\n", out);
	free(command);
}

/* A site of a snapshot: its count first, then one example. */
static void
table_snapshot(FILE *out, const struct run_snapshot *snap)
{
	table_snapshot_title(out, snap);
	for (size_t i = 0; i < snap->nsites; i++) {
		const struct run_site *site = &snap->sites[i];
		const struct trace_frame *at = site->example->site;
		char *file = at != NULL ? escape_terminal(at->file) : NULL;
		char *function = at != NULL ? escape_terminal(at->function ?
		    at->function : "?") : NULL;

		fprintf(out, "%7zu  %s", site->count,
		    fdtype_name(site->example->type));
		if (file != NULL)
			fprintf(out, " made at %s:%d in %s", file, at->line,
			    function != NULL ? function : "?");
		else
			fprintf(out, " by %s", site->example->syscall != NULL ?
			    site->example->syscall : "an unknown call");
		fputc('\n', out);
		free(file);
		free(function);
		if (i < 3) {
			table_header(out);
			table_leak(out, site->example, NULL);
		}
	}
	fputc('\n', out);
}

static void
run_table(FILE *out, const struct run_report *rep)
{
	for (size_t i = 0; i < rep->nsnapshots; i++)
		table_snapshot(out, &rep->snapshots[i]);
	for (size_t i = 0; i < rep->nprocs; i++)
		table_proc(out, &rep->procs[i]);
	for (size_t i = 0; i < rep->ngroups; i++) {
		const struct run_group *g = &rep->groups[i];

		if (g->nprocs < RUN_AGGREGATE_MIN)
			continue;
		fprintf(out, "%zu processes (PID %d", g->nprocs, g->pids[0]);
		for (size_t j = 1; j < g->nprocs && j < 8; j++)
			fprintf(out, ", %d", g->pids[j]);
		fprintf(out, "%s) each held, for example:\n", g->nprocs > 8 ?
		    ", ..." : "");
		table_header(out);
		table_leak(out, g->example, NULL);
		fputc('\n', out);
	}
}

static void
run_print(FILE *out, const void *arg)
{
	const struct run_report *rep = arg;

	if (rep->opt->json)
		run_json(out, rep);
	else
		run_table(out, rep);
}

/*
 * The report goes to standard error unless -o names a file: standard
 * output is the command's, and a report mixed into it would break a
 * pipeline such as `fdaudit run -f json -- prog | jq`.
 */
static int
run_write(const struct run_report *rep)
{
	return output_file_write("fdaudit run", rep->opt->output, stderr,
	    run_print, rep);
}

static void
run_summary(const struct run_report *rep)
{
	int st = rep->wait_status;

	fprintf(stderr, "fdaudit run: %zu process%s ended; %zu leak%s, %zu "
	    "crossed exec, %zu unattributed", rep->seen, rep->seen == 1 ?
	    "" : "es", rep->counts[RUN_CLASS_LEAK],
	    rep->counts[RUN_CLASS_LEAK] == 1 ? "" : "s",
	    rep->counts[RUN_CLASS_CROSSED_EXEC],
	    rep->counts[RUN_CLASS_UNATTRIBUTED]);
	if (rep->suppressed_by_default > 0)
		fprintf(stderr, " (%zu hidden by the default suppressions)",
		    rep->suppressed_by_default);
	fputs("; ", stderr);
	if (WIFSIGNALED(st))
		fprintf(stderr, "%s was killed by signal %d\n",
		    rep->opt->command[0], WTERMSIG(st));
	else
		fprintf(stderr, "%s exited with status %d\n",
		    rep->opt->command[0], WEXITSTATUS(st));
	if (rep->python_at_exit_only > 0)
		fprintf(stderr, "fdaudit run: %zu Python process%s checked at "
		    "exit only, without Python stacks: Python 3.9 or later "
		    "with its C API exported is needed for more\n",
		    rep->python_at_exit_only, rep->python_at_exit_only == 1 ?
		    " was" : "es were");
	for (size_t i = 0; i < rep->ntracers; i++)
		fprintf(stderr, "fdaudit run: PID %d called ptrace(2), which "
		    "fails under fdaudit run: a program that traces itself "
		    "or others cannot be audited this way\n", rep->tracers[i]);
	if (rep->oom)
		fputs("fdaudit run: out of memory: the report is incomplete\n",
		    stderr);
}

/* Why the command could not be started, and the status that says so. */
static int
run_start_failed(const struct run_options *opt, int error,
    enum trace_failure failure)
{
	const char *cmd = opt->command[0];

	switch (failure) {
	case TRACE_FAILURE_EXEC:
		if (error == -ENOENT) {
			fprintf(stderr, "fdaudit run: %s: command not found\n",
			    cmd);
			return RUN_EXIT_NOT_FOUND;
		}
		fprintf(stderr, "fdaudit run: %s: cannot execute: %s\n", cmd,
		    strerror(-error));
		return RUN_EXIT_CANNOT_EXEC;
	case TRACE_FAILURE_PTRACE:
		fprintf(stderr, "fdaudit run: cannot trace %s: %s (is fdaudit "
		    "itself being traced, or is ptrace or seccomp forbidden "
		    "here?)\n", cmd, strerror(-error));
		return RUN_EXIT_ERROR;
	default:
		fprintf(stderr, "fdaudit run: cannot start %s: %s\n", cmd,
		    strerror(-error));
		return RUN_EXIT_ERROR;
	}
}

/* The command's own failure first, then the findings. */
static int
run_exit_status(const struct run_report *rep)
{
	const struct run_options *opt = rep->opt;
	int st = rep->wait_status;
	size_t found = rep->counts[RUN_CLASS_LEAK];

	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	if (WEXITSTATUS(st) != 0)
		return WEXITSTATUS(st);
	if (opt->crossed_fails)
		found += rep->counts[RUN_CLASS_CROSSED_EXEC];
	return found > 0 ? opt->leak_exitcode : 0;
}

static void
run_report_free(struct run_report *rep, struct run_options *opt)
{
	for (size_t i = 0; i < rep->nprocs; i++)
		run_proc_free(&rep->procs[i]);
	free(rep->procs);
	for (size_t i = 0; i < rep->nsnapshots; i++) {
		run_proc_free(&rep->snapshots[i].proc);
		free(rep->snapshots[i].sites);
	}
	free(rep->snapshots);
	free(rep->groups);
	free(rep->tracers);
	suppress_free(&opt->rules);
	free(opt->ignore_fds);
}

int
run_main(int argc, char **argv)
{
	struct run_options opt = { .stacks = true, .follow = true,
	    .pin_cpu = true, .preload = true, .leak_exitcode = 1,
	    .default_suppressions = true };
	struct run_report rep = { .opt = &opt };
	struct trace_options topt;
	struct trace_callbacks cb = { run_on_exit, run_on_ptrace,
	    run_on_snapshot, &rep };
	enum trace_failure failure;
	int error, status;

	run_options_parse(argc, argv, &opt);
	if ((error = platform_init()) != 0) {
		fprintf(stderr, "fdaudit run: %s\n", platform_strerror(error));
		run_report_free(&rep, &opt);
		return RUN_EXIT_ERROR;
	}
	suppressions_load(&opt);
	escape_set_utf8(platform_output_utf8());
	topt.pin_cpu = opt.pin_cpu;
	topt.stacks = opt.stacks;
	topt.preload = opt.preload;
	topt.threshold = opt.threshold;
	error = trace_run(opt.command, &topt, &cb, &rep.wait_status,
	    &failure);
	if (error != 0) {
		status = run_start_failed(&opt, error, failure);
		run_report_free(&rep, &opt);
		platform_fini();
		return status;
	}
	run_aggregate(&rep);
	status = run_exit_status(&rep);
	if (run_write(&rep) != 0)
		status = RUN_EXIT_ERROR;
	run_summary(&rep);
	run_report_free(&rep, &opt);
	platform_fini();
	return status;
}
