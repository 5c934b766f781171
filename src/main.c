/*
 * fdaudit: command line, exit status and the order of work.  Everything
 * that prints a message or chooses an exit code lives here; the modules
 * return 0 or a negative errno value.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

/* Exit status, after the monitoring-plugins convention. */
#define EXIT_STATUS_OK		0
#define EXIT_STATUS_WARNING	1
#define EXIT_STATUS_CRITICAL	2
#define EXIT_STATUS_UNKNOWN	3

struct options {
	const struct output_ops	*format;
	struct thresholds	 thresholds;
	bool			 summary;
	uint32_t		 type_filter;
	int			*pids;
	size_t			 npids;
};

static const char *progname = "fdaudit";

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: %s [-hjsV] [-c pct] [-f format] [-t type[,type...]] "
	    "[-w pct]\n"
	    "       %*s [-p pid] pid ...\n", progname, (int)strlen(progname),
	    "");
}

static void
help(void)
{
	usage(stdout);
	fputs("\n"
	    "Report the open file descriptors of processes, how close each\n"
	    "process is to its descriptor limit, and descriptors that leak.\n"
	    "\n"
	    "  -c, --crit PCT      critical at PCT% of the soft limit "
	    "(default 95)\n"
	    "  -f, --format FMT    table (default) or json\n"
	    "  -h, --help          show this help and exit\n"
	    "  -j                  same as --format json\n"
	    "  -p, --pid PID       audit PID (the same as naming it)\n"
	    "  -s, --summary       header and counts only, no descriptor rows\n"
	    "  -t, --type LIST     list only descriptors of these types\n"
	    "  -V, --version       print the version and exit\n"
	    "  -w, --warn PCT      warning at PCT% of the soft limit "
	    "(default 80)\n"
	    "\n"
	    "Exit status: 0 ok, 1 warning, 2 critical, 3 error.\n"
	    "See fdaudit(1) for the types, the JSON schema and examples.\n",
	    stdout);
}

/* A command-line error: one line naming the problem, then exit 3. */
static void __attribute__((noreturn, format(printf, 1, 2)))
bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", progname);
	exit(EXIT_STATUS_UNKNOWN);
}

static unsigned
percent_parse(const char *arg, const char *what)
{
	const char *errstr;
	long long v;

	v = strtonum(arg, 0, 100, &errstr);
	if (errstr != NULL)
		bad_usage("%s threshold \"%s\" is %s: give a percentage "
		    "from 0 to 100", what, arg, errstr);
	return (unsigned)v;
}

static void
pid_add(struct options *opt, const char *arg)
{
	const char *errstr;
	int *grown;
	long long v;

	v = strtonum(arg, 1, INT_MAX, &errstr);
	if (errstr != NULL)
		bad_usage("PID \"%s\" is %s", arg, errstr);
	grown = reallocarray(opt->pids, opt->npids + 1, sizeof(*grown));
	if (grown == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		exit(EXIT_STATUS_UNKNOWN);
	}
	opt->pids = grown;
	opt->pids[opt->npids++] = (int)v;
}

static void
options_parse(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "crit",	required_argument,	NULL, 'c' },
		{ "format",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "pid",	required_argument,	NULL, 'p' },
		{ "summary",	no_argument,		NULL, 's' },
		{ "type",	required_argument,	NULL, 't' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "warn",	required_argument,	NULL, 'w' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *bad;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:f:hjp:st:Vw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			opt->thresholds.crit_pct = percent_parse(optarg,
			    "critical");
			break;
		case 'f':
			if ((opt->format = output_find(optarg)) == NULL)
				bad_usage("unknown format \"%s\": use table or "
				    "json", optarg);
			break;
		case 'h':
			help();
			exit(EXIT_STATUS_OK);
		case 'j':
			opt->format = output_find("json");
			break;
		case 'p':
			pid_add(opt, optarg);
			break;
		case 's':
			opt->summary = true;
			break;
		case 't':
			if (fdtype_parse_filter(optarg, &opt->type_filter,
			    &bad) != 0)
				bad_usage("unknown descriptor type \"%s\"",
				    bad);
			break;
		case 'V':
			printf("%s %s\n", progname, FDAUDIT_VERSION);
			exit(EXIT_STATUS_OK);
		case 'w':
			opt->thresholds.warn_pct = percent_parse(optarg,
			    "warning");
			break;
		case ':':
			bad_usage("option \"%s\" needs an argument",
			    argv[optind - 1]);
		default:
			if (optopt != 0)
				bad_usage("unknown option \"-%c\"", optopt);
			bad_usage("unknown option \"%s\"", argv[optind - 1]);
		}
	}
	for (int i = optind; i < argc; i++)
		pid_add(opt, argv[i]);
	if (opt->npids == 0)
		bad_usage("no PID given");
	if (opt->thresholds.warn_pct > opt->thresholds.crit_pct)
		bad_usage("warning threshold %u%% is above the critical "
		    "threshold %u%%", opt->thresholds.warn_pct,
		    opt->thresholds.crit_pct);
}

static const char *
error_hint(int error)
{
	if (error == -EACCES || error == -EPERM)
		return ": run as its user or as root";
	return "";
}

static int
exit_status(const struct report *report)
{
	switch (audit_report_status(report)) {
	case STATUS_OK:
		return EXIT_STATUS_OK;
	case STATUS_WARNING:
		return EXIT_STATUS_WARNING;
	case STATUS_CRITICAL:
		return EXIT_STATUS_CRITICAL;
	default:
		return EXIT_STATUS_UNKNOWN;
	}
}

int
main(int argc, char **argv)
{
	struct options opt = {
		.format = &output_table_ops,
		.thresholds = { .warn_pct = 80, .crit_pct = 95 },
	};
	struct report report = { 0 };
	const char *no_color;
	int status, error;

	options_parse(argc, argv, &opt);
	if ((error = platform_init()) != 0) {
		fprintf(stderr, "%s: %s\n", progname,
		    platform_strerror(error));
		return EXIT_STATUS_UNKNOWN;
	}
	report.processes = calloc(opt.npids, sizeof(*report.processes));
	if (report.processes == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return EXIT_STATUS_UNKNOWN;
	}
	report.nprocesses = opt.npids;
	report.summary = opt.summary;
	report.type_filter = opt.type_filter;
	no_color = getenv("NO_COLOR");
	report.color = isatty(STDOUT_FILENO) &&
	    (no_color == NULL || *no_color == '\0');
	escape_set_utf8(platform_output_utf8());

	for (size_t i = 0; i < opt.npids; i++) {
		struct process *proc = &report.processes[i];

		proc->pid = opt.pids[i];
		proc->highest_fd = -1;
		if ((error = platform_process_read(proc, PROCESS_IDENTITY |
		    PROCESS_LIMITS | PROCESS_FDS)) != 0)
			fprintf(stderr, "%s: PID %d: %s%s\n", progname,
			    proc->pid, platform_strerror(error),
			    error_hint(error));
		audit_process(proc, &opt.thresholds);
	}
	output_write(opt.format, stdout, &report);
	status = exit_status(&report);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: writing the report: %s\n", progname,
		    strerror(errno));
		status = EXIT_STATUS_UNKNOWN;
	}
	for (size_t i = 0; i < report.nprocesses; i++)
		process_free(&report.processes[i]);
	free(report.processes);
	free(opt.pids);
	platform_fini();
	return status;
}
