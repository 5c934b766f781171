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
};

enum rule_kind { RULE_PATH, RULE_TYPE, RULE_FRAME, RULE_SYSCALL };

struct rule {
	enum rule_kind	 kind;
	char		*pattern;
	enum fd_type	 type;
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
	int		*ignore_fds;
	size_t		 nignore_fds;
	struct rule	*rules;
	size_t		 nrules;
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
	bool		 aggregated;	/* printed once for many processes */
};

struct run_proc {
	int		 pid;
	int		 ppid;
	char		*command;
	char		**argv;
	size_t		 argc;
	int		 wait_status;
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

struct run_report {
	const struct run_options *opt;
	struct run_proc	*procs;
	size_t		 nprocs;
	size_t		 seen;		/* processes that ended */
	size_t		 counts[RUN_CLASS_COUNT];
	struct run_group *groups;
	size_t		 ngroups;
	int		*tracers;	/* PIDs that called ptrace */
	size_t		 ntracers;
	int		 wait_status;
	bool		 oom;
};

static void
run_usage(FILE *out)
{
	fputs("usage: fdaudit run [-h] [-f format] [-o file] [--no-stacks]\n"
	    "                   [--suppressions file] [--ignore-fd n]\n"
	    "                   [--follow-forks | --no-follow] "
	    "[--leak-exitcode n]\n"
	    "                   [--crossed-exec-fails] [--no-pin] "
	    "[--no-preload]\n"
	    "                   [--] command [arg ...]\n", out);
}

static void
run_help(void)
{
	run_usage(stdout);
	fputs("\n"
	    "Run COMMAND and every process it starts; when each ends, report\n"
	    "the descriptors it still held that it did not inherit.\n"
	    "\n"
	    "  -f, --format FMT       table (default) or json\n"
	    "  -o, --output FILE      write the report to FILE, atomically\n"
	    "      --no-stacks        do not record where descriptors were "
	    "made\n"
	    "      --suppressions F   rules of findings not to report\n"
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
static void __attribute__((noreturn, format(printf, 1, 2)))
run_bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("fdaudit run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see 'fdaudit run --help')\n", stderr);
	exit(RUN_EXIT_ERROR);
}

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
		run_bad_usage("%s \"%s\" is %s: give a whole number from %lld "
		    "to %lld", what, arg, errstr, min, max);
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
 * One suppression rule: "path:GLOB", "type:NAME", "syscall:NAME" or
 * "frame:GLOB".  Returns 0, or -1 when the line is not a rule.
 */
static int
rule_parse(const char *line, struct rule *r)
{
	static const struct {
		const char	*prefix;
		enum rule_kind	 kind;
	} kinds[] = { { "path:", RULE_PATH }, { "type:", RULE_TYPE },
	    { "frame:", RULE_FRAME }, { "syscall:", RULE_SYSCALL } };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t len = strlen(kinds[i].prefix);

		if (strncmp(line, kinds[i].prefix, len) != 0 ||
		    line[len] == '\0')
			continue;
		r->kind = kinds[i].kind;
		if (r->kind == RULE_TYPE &&
		    fdtype_from_name(line + len, &r->type) != 0)
			return -1;
		if ((r->pattern = strdup(line + len)) == NULL)
			run_out_of_memory();
		return 0;
	}
	return -1;
}

static void
suppressions_load(struct run_options *opt)
{
	char *line = NULL;
	size_t size = 0, lineno = 0;
	ssize_t len;
	FILE *f;

	if ((f = fopen(opt->suppressions, "re")) == NULL)
		run_bad_usage("%s: %s", opt->suppressions, strerror(errno));
	while ((len = getline(&line, &size, f)) != -1) {
		struct rule *grown;
		char *p = line;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = '\0';
		p += strspn(p, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		grown = reallocarray(opt->rules, opt->nrules + 1,
		    sizeof(*grown));
		if (grown == NULL)
			run_out_of_memory();
		opt->rules = grown;
		if (rule_parse(p, &opt->rules[opt->nrules]) != 0)
			run_bad_usage("%s:%zu: \"%s\" is not a rule: use "
			    "path:GLOB, type:NAME, syscall:NAME or frame:GLOB",
			    opt->suppressions, lineno, p);
		opt->nrules++;
	}
	free(line);
	fclose(f);
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
			run_bad_usage("unknown format \"%s\": use table or "
			    "json", optarg);
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
	case ':':
		run_bad_usage("option \"%s\" needs an argument",
		    argv[optind - 1]);
	default:
		if (optopt != 0)
			run_bad_usage("unknown option \"-%c\"", optopt);
		run_bad_usage("unknown option \"%s\"", argv[optind - 1]);
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
		{ "no-follow",	no_argument,		NULL, OPT_NO_FOLLOW },
		{ "no-pin",	no_argument,		NULL, OPT_NO_PIN },
		{ "no-preload",	no_argument,		NULL, OPT_NO_PRELOAD },
		{ "no-stacks",	no_argument,		NULL, OPT_NO_STACKS },
		{ "output",	required_argument,	NULL, 'o' },
		{ "suppressions", required_argument,	NULL, OPT_SUPPRESSIONS },
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
		run_bad_usage("no command given");
	opt->command = argv + optind;
	if (opt->suppressions != NULL)
		suppressions_load(opt);
}

/*
 * Inherited descriptors are not findings; a record says where one was
 * made; a descriptor without either came by a way that is not traced.
 * Returns false for descriptors that are not findings at all.
 */
static bool
run_classify(const struct trace_fd *f, enum run_class *class)
{
	if (f->inherited)
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

/* A frame glob matches the function, the file, "file:line" or the object. */
static bool
frame_matches(const char *pattern, const struct trace_frame *f)
{
	char where[PATH_MAX + 16];
	const char *base;

	if (f->function != NULL && fnmatch(pattern, f->function, 0) == 0)
		return true;
	if (f->object != NULL) {
		base = strrchr(f->object, '/');
		if (fnmatch(pattern, f->object, 0) == 0 ||
		    (base != NULL && fnmatch(pattern, base + 1, 0) == 0))
			return true;
	}
	if (f->file == NULL)
		return false;
	snprintf(where, sizeof(where), "%s:%d", f->file, f->line);
	return fnmatch(pattern, f->file, 0) == 0 ||
	    fnmatch(pattern, where, 0) == 0;
}

static bool
rule_matches(const struct rule *r, const struct run_leak *l)
{
	switch (r->kind) {
	case RULE_PATH:
		return l->target != NULL && fnmatch(r->pattern, l->target,
		    0) == 0;
	case RULE_TYPE:
		return l->type == r->type;
	case RULE_SYSCALL:
		return l->syscall != NULL && strcmp(l->syscall,
		    r->pattern) == 0;
	default:
		for (size_t i = 0; i < l->nstack; i++) {
			if (frame_matches(r->pattern, &l->stack[i]))
				return true;
		}
		return false;
	}
}

static bool
run_suppressed(const struct run_options *opt, const struct run_leak *l)
{
	for (size_t i = 0; i < opt->nignore_fds; i++) {
		if (opt->ignore_fds[i] == l->fd)
			return true;
	}
	for (size_t i = 0; i < opt->nrules; i++) {
		if (rule_matches(&opt->rules[i], l))
			return true;
	}
	return false;
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
		    .line = from->line };
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
	for (size_t i = 0; i < l->nstack; i++) {
		free(l->stack[i].function);
		free(l->stack[i].file);
		free(l->stack[i].object);
	}
	free(l->stack);
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
	return stack_copy(&grown[p->nleaks - 1], f);
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
	    .wait_status = e->wait_status };
	struct run_proc *grown;
	enum run_class class;

	if (!rep->opt->follow && !e->root)
		return;
	rep->seen++;
	for (size_t i = 0; i < e->nfds; i++) {
		size_t before = p.nleaks;

		if (!run_classify(&e->fds[i], &class))
			continue;
		if (leak_add(&p, &e->fds[i], class) != 0) {
			rep->oom = true;
			break;
		}
		if (run_suppressed(rep->opt, &p.leaks[before])) {
			run_leak_free(&p.leaks[before]);
			p.nleaks = before;
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
		    !same_text(x->object, y->object))
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
	json_uint(w, f->pc);
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
	json_object_end(&w);
	json_key(&w, "processes");
	json_array_begin(&w);
	for (size_t i = 0; i < rep->nprocs; i++)
		json_proc(&w, &rep->procs[i]);
	json_array_end(&w);
	json_groups(&w, rep);
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
	fprintf(out, " in %s\n", module != NULL ? module : "?");
	free(function);
	free(file);
	free(module);
}

static void
table_leak(FILE *out, const struct run_leak *l)
{
	char *target = escape_terminal(l->target != NULL ? l->target : "");

	fprintf(out, "  %5d  %-13s %-11s %-7s %-16s %s\n", l->fd,
	    run_class_names[l->class], fdtype_name(l->type),
	    !l->have_flags ? "?" : l->cloexec ? "yes" : "no",
	    l->syscall != NULL ? l->syscall : "-", target ? target : "?");
	free(target);
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
	for (size_t i = 0; i < p->nleaks; i++) {
		if (!p->leaks[i].aggregated)
			table_leak(out, &p->leaks[i]);
	}
	fputc('\n', out);
}

static void
run_table(FILE *out, const struct run_report *rep)
{
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
		table_leak(out, g->example);
		fputc('\n', out);
	}
}

static int
run_write(const struct run_report *rep)
{
	const struct run_options *opt = rep->opt;
	struct platform_file *file = NULL;
	FILE *out = stdout;
	int error;

	if (opt->output != NULL &&
	    (error = platform_file_create(opt->output, &file, &out)) != 0) {
		fprintf(stderr, "fdaudit run: %s: %s\n", opt->output,
		    platform_strerror(error));
		return -1;
	}
	if (opt->json)
		run_json(out, rep);
	else
		run_table(out, rep);
	if (file != NULL) {
		if ((error = platform_file_commit(file)) != 0) {
			fprintf(stderr, "fdaudit run: %s: %s\n", opt->output,
			    platform_strerror(error));
			return -1;
		}
	} else if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "fdaudit run: writing the report: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
run_summary(const struct run_report *rep)
{
	int st = rep->wait_status;

	fprintf(stderr, "fdaudit run: %zu process%s ended; %zu leak%s, %zu "
	    "crossed exec, %zu unattributed; ", rep->seen, rep->seen == 1 ?
	    "" : "es", rep->counts[RUN_CLASS_LEAK],
	    rep->counts[RUN_CLASS_LEAK] == 1 ? "" : "s",
	    rep->counts[RUN_CLASS_CROSSED_EXEC],
	    rep->counts[RUN_CLASS_UNATTRIBUTED]);
	if (WIFSIGNALED(st))
		fprintf(stderr, "%s was killed by signal %d\n",
		    rep->opt->command[0], WTERMSIG(st));
	else
		fprintf(stderr, "%s exited with status %d\n",
		    rep->opt->command[0], WEXITSTATUS(st));
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
	free(rep->groups);
	free(rep->tracers);
	for (size_t i = 0; i < opt->nrules; i++)
		free(opt->rules[i].pattern);
	free(opt->rules);
	free(opt->ignore_fds);
}

int
run_main(int argc, char **argv)
{
	struct run_options opt = { .stacks = true, .follow = true,
	    .pin_cpu = true, .preload = true, .leak_exitcode = 1 };
	struct run_report rep = { .opt = &opt };
	struct trace_options topt;
	struct trace_callbacks cb = { run_on_exit, run_on_ptrace, &rep };
	enum trace_failure failure;
	int error, status;

	run_options_parse(argc, argv, &opt);
	escape_set_utf8(platform_output_utf8());
	topt.pin_cpu = opt.pin_cpu;
	topt.stacks = opt.stacks;
	topt.preload = opt.preload;
	error = trace_run(opt.command, &topt, &cb, &rep.wait_status,
	    &failure);
	if (error != 0) {
		status = run_start_failed(&opt, error, failure);
		run_report_free(&rep, &opt);
		return status;
	}
	run_aggregate(&rep);
	status = run_exit_status(&rep);
	if (run_write(&rep) != 0)
		status = RUN_EXIT_ERROR;
	run_summary(&rep);
	run_report_free(&rep, &opt);
	return status;
}
