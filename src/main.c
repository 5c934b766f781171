/*
 * fdaudit: command line, exit status and the order of work.  Everything
 * that prints a message or chooses an exit code lives here; the modules
 * return 0 or a negative errno value.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

enum long_only {
	OPT_TOP = 256,
	OPT_STATE,
	OPT_LEAK_RUNS,
	OPT_HORIZON,
	OPT_MIN_SPAN,
	OPT_WARN_COUNT,
	OPT_CRIT_COUNT,
	OPT_PID_LABEL,
	OPT_NO_PEERS,
	OPT_BY,
	OPT_PATH,
	OPT_COLUMNS,
	OPT_LIST_COLUMNS,
	OPT_NO_HEADING,
	OPT_SORT,
	OPT_PORT,	/* the last: options given are kept up to it */
};

struct options {
	const struct output_ops	*format;
	struct thresholds	 thresholds;
	struct trend_options	 trend;
	struct collect_filter	 filter;
	bool			 all;
	bool			 descriptors;
	bool			 summary;
	bool			 offsets;
	bool			 no_peers;
	bool			 pid_label;
	bool			 by_unit;
	bool			 paths;		/* --path: operands are files */
	bool			 recursive;
	struct hold_query	 hold;
	char			**files;	/* --path operands */
	size_t			 nfiles;
	const char		*given[OPT_PORT + 1];	/* as typed */
	uint32_t		 type_filter;
	int			 columns[TABLE_COLUMNS_MAX];
	size_t			 ncolumns;
	bool			 no_heading;
	enum sort_key		 sort;
	size_t			 top;		/* 0: no limit */
	const char		*output;
	const char		*state;
	int			*pids;
	size_t			 npids;
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: fdaudit [-adhjlsV] [-C command] [-c range] [-f format] "
	    "[-o file]\n"
	    "               [-t type[,type...]] [-u user] [-w range] "
	    "[--top n]\n"
	    "               [--warn-count range] [--crit-count range] "
	    "[--no-peers]\n"
	    "               [--pid-label] [--by unit] [--columns list] "
	    "[--no-heading]\n"
	    "               [--sort key]\n"
	    "               [--state file [--leak-runs k] "
	    "[--horizon time]\n"
	    "               [--min-span time]] [-p pid] pid ...\n"
	    "       fdaudit [-jr] [-f format] [-o file] [--no-heading]\n"
	    "               [--port [host:]port] [--path file ...]\n"
	    "       fdaudit --list-columns\n"
	    "       fdaudit watch [-h] [-i seconds] [-n count] pid\n"
	    "       %s", run_synopsis);
}

/* A list of words, wrapped within 80 columns after `indent' spaces. */
static void
help_words(const char *list, int indent)
{
	int column = 0;

	while (*list != '\0') {
		int len = (int)strcspn(list, " ");

		if (column > 0 && column + 1 + len > 80) {
			fputc('\n', stdout);
			column = 0;
		}
		if (column == 0)
			column = printf("%*s%.*s", indent, "", len, list);
		else
			column += printf(" %.*s", len, list);
		list += len;
		list += strspn(list, " ");
	}
	fputc('\n', stdout);
}

static void
help(void)
{
	usage(stdout);
	fputs("\n"
	    "Report the open file descriptors of processes, how close each\n"
	    "process is to its descriptor limit, and descriptors that leak.\n"
	    "\n"
	    "  -a, --all           every process, one row each, highest usage "
	    "first\n"
	    "      --by unit       with -a: one row per systemd unit (or "
	    "cgroup) instead\n"
	    "  -C, --command NAME  only processes whose command name begins "
	    "with NAME,\n"
	    "                      or matches it as a glob ('python*'); "
	    "implies -a\n"
	    "  -c, --crit RANGE    critical when the percentage of the soft "
	    "limit is\n"
	    "                      outside RANGE (default 95: above 95%)\n"
	    "  -d, --descriptors   with -a, read every descriptor table too\n"
	    "  -f, --format FMT    table (default), json, jsonl, nagios or "
	    "prometheus\n"
	    "  -h, --help          show this help and exit\n"
	    "  -j                  same as --format json\n"
	    "  -l, --long          also the offset and the size of each file\n"
	    "  -o, --output FILE   write the report to FILE, not standard output\n"
	    "  -p, --pid PID       audit PID (the same as naming it)\n"
	    "  -r, --recursive     with --path, a directory and all below it\n"
	    "  -s, --summary       header and counts only, no descriptor rows\n"
	    "  -t, --type LIST     list only descriptors of these types,\n"
	    "                      comma-separated:\n", stdout);
	help_words(fdtype_filter_words(), 22);
	fputs(	    "  -u, --user USER     only processes of USER (implies -a)\n"
	    "  -V, --version       print the version and exit\n"
	    "  -w, --warn RANGE    warning when the percentage of the soft "
	    "limit is\n"
	    "                      outside RANGE (default 80: above 80%)\n"
	    "      --warn-count RANGE  warning when the open count is outside "
	    "RANGE\n"
	    "      --crit-count RANGE  critical when the open count is "
	    "outside RANGE\n"
	    "      --top N         only N processes: every one at warning or "
	    "worse,\n"
	    "                      then the highest usage\n"
	    "      --columns LIST  the columns of the --all rows, "
	    "comma-separated\n"
	    "      --list-columns  list the columns --columns takes, and exit\n"
	    "      --no-heading    with --all, --path or --port: the rows alone\n"
	    "      --sort KEY      with --all: order the rows by usage "
	    "(default), open,\n"
	    "                      pid, command or user\n"
	    "      --pid-label     Prometheus: a series per PID, not per "
	    "unit and command\n"
	    "      --no-peers      do not look for the other ends of pipes and "
	    "sockets\n"
	    "      --path          the operands are files: list who holds "
	    "them\n"
	    "      --port [HOST:]PORT  list who holds a TCP or UDP socket with "
	    "this\n"
	    "                      local or remote port\n"
	    "      --state FILE    remember counts in FILE and report growth\n"
	    "      --leak-runs K   suspect a leak after K rises in the last "
	    "runs (default 3)\n"
	    "      --horizon TIME  warn when the limit is projected within "
	    "TIME (default 24h)\n"
	    "      --min-span TIME project only from runs that span TIME "
	    "(default 5m)\n"
	    "\n"
	    "A RANGE is N (alert above N), N: (below N), ~:N, N:M or @N:M "
	    "(inside).\n"
	    "Exit status: 0 ok, 1 warning, 2 critical, 3 error; with --path "
	    "or --port,\n"
	    "0 when something holds them, 1 when nothing does, 3 error.\n"
	    "See fdaudit(1) for the types, the JSON schema and examples.\n",
	    stdout);
}

/* .nagios is set before the options are read: a usage error must speak
   Nagios too. */
static struct cli main_cli = { "fdaudit", "fdaudit --help",
    EXIT_STATUS_UNKNOWN, false };

/*
 * Whether -f nagios is among the arguments, wherever it stands: a plugin
 * whose usage error goes to stderr alone shows "(no output)" in Nagios.
 */
static bool
nagios_format_given(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] :
		    "";

		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "-fnagios") == 0 ||
		    strcmp(a, "--format=nagios") == 0 ||
		    ((strcmp(a, "-f") == 0 || strcmp(a, "--format") == 0) &&
		    strcmp(next, "nagios") == 0))
			return true;
	}
	return false;
}

/* A command-line error: one line naming the problem, then exit 3. */
static void __attribute__((noreturn, format(printf, 1, 2)))
bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vusage_error(&main_cli, fmt, ap);
	/* Not reached: the usage error exits. */
	va_end(ap);
}

/* A threshold range; the message names the option and the syntax. */
static void
range_option(const char *arg, const char *option, struct range *r)
{
	if (range_parse(arg, r) != 0)
		bad_usage("%s \"%s\" is not a range: give N, N:, ~:N, N:M "
		    "or @N:M", option, arg);
}

/* -w and -c: a range whose bounds are percentages, 0 to 100. */
static void
percent_option(const char *arg, const char *option, struct range *r)
{
	range_option(arg, option, r);
	if ((!r->no_start && (r->start < 0 || r->start > 100)) ||
	    (!r->no_end && (r->end < 0 || r->end > 100)))
		bad_usage("%s \"%s\" is out of range: give percentages from "
		    "0 to 100", option, arg);
}

/* A plain warning limit above a plain critical one is a mistake. */
static bool
ranges_inverted(const struct range *warn, const struct range *crit)
{
	bool plain = warn->set && crit->set && !warn->inside && !crit->inside && !warn->no_start &&
	    !crit->no_start && !warn->no_end && !crit->no_end &&
	    warn->start == 0 && crit->start == 0;

	return plain && warn->end > crit->end;
}

static long long
number_parse(const char *arg, const char *what, long long min,
    long long max)
{
	const char *errstr;
	long long v;

	v = strtonum(arg, min, max, &errstr);
	if (errstr != NULL)
		bad_usage("%s \"%s\" is %s: give a whole number from %lld to "
		    "%lld", what, arg, errstr, min, max);
	return v;
}

/* "90", "90s", "15m", "24h" or "7d" as seconds. */
static double
duration_parse(const char *arg, const char *what)
{
	static const struct {
		char	 suffix;
		long	 seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char number[32];
	size_t len = strlen(arg);
	long scale = 1;
	const char *errstr;
	long long v;

	if (len > 0 && len < sizeof(number)) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (arg[len - 1] == units[i].suffix) {
				scale = units[i].seconds;
				len--;
				break;
			}
		}
	}
	if (len == 0 || len >= sizeof(number))
		bad_usage("%s \"%s\" is invalid: give a number with s, m, h "
		    "or d", what, arg);
	memcpy(number, arg, len);
	number[len] = '\0';
	v = strtonum(number, 1, 3650L * 86400 / scale, &errstr);
	if (errstr != NULL)
		bad_usage("%s \"%s\" is %s: give a whole number with s, m, h "
		    "or d, at most ten years", what, arg, errstr);
	return (double)v * (double)scale;
}

/* `what' is "PID" for an operand, "-p" for the option. */
static void
pid_add(struct options *opt, const char *arg, const char *what)
{
	int *grown;

	grown = reallocarray(opt->pids, opt->npids + 1, sizeof(*grown));
	if (grown == NULL) {
		fputs("fdaudit: out of memory\n", stderr);
		exit(EXIT_STATUS_UNKNOWN);
	}
	opt->pids = grown;
	opt->pids[opt->npids++] = (int)number_parse(arg, what, 1, INT_MAX);
}

/* --port: one more port, with or without an address. */
static void
port_add(struct hold_query *q, const char *arg)
{
	struct port_match *grown;

	grown = reallocarray(q->ports, q->nports + 1, sizeof(*grown));
	if (grown == NULL) {
		fputs("fdaudit: out of memory\n", stderr);
		exit(EXIT_STATUS_UNKNOWN);
	}
	q->ports = grown;
	if (port_match_parse(arg, &q->ports[q->nports]) != 0)
		bad_usage("--port \"%s\" is not a port: give PORT (1 to "
		    "65535), ADDRESS:PORT or [IPV6-ADDRESS]:PORT", arg);
	q->nports++;
}

/* --columns: names the table knows, at most TABLE_COLUMNS_MAX. */
static void
columns_option(struct options *opt, const char *arg)
{
	char *bad;
	int error;

	error = table_columns_parse(arg, opt->columns, &opt->ncolumns, &bad);
	if (error == -ENOMEM) {
		fputs("fdaudit: out of memory\n", stderr);
		exit(EXIT_STATUS_UNKNOWN);
	}
	if (error == -E2BIG)
		bad_usage("--columns: more than %d columns, from \"%s\" on",
		    TABLE_COLUMNS_MAX, bad);
	if (error != 0)
		bad_usage("unknown column \"%s\" in --columns: see "
		    "--list-columns", bad);
}

static void
option_apply(struct options *opt, int ch, char **argv)
{
	const char *bad;

	switch (ch) {
	case 'a':
		opt->all = true;
		break;
	case 'C':
		opt->filter.command = optarg;
		opt->all = true;
		break;
	case 'c':
		percent_option(optarg, "-c", &opt->thresholds.crit);
		break;
	case 'd':
		opt->descriptors = true;
		break;
	case 'f':
		if ((opt->format = output_find(optarg)) == NULL)
			bad_usage("unknown format \"%s\": use table, json, "
			    "jsonl, nagios or prometheus", optarg);
		break;
	case 'h':
		help();
		exit(EXIT_STATUS_OK);
	case 'j':
		opt->format = output_find("json");
		break;
	case 'l':
		opt->offsets = true;
		break;
	case 'o':
		opt->output = optarg;
		break;
	case 'p':
		pid_add(opt, optarg, "-p");
		break;
	case 'r':
		opt->recursive = true;
		break;
	case 's':
		opt->summary = true;
		break;
	case 't':
		if (fdtype_parse_filter(optarg, &opt->type_filter, &bad) != 0)
			bad_usage("unknown descriptor type \"%s\": use %s", bad,
			    fdtype_filter_words());
		break;
	case 'u':
		opt->filter.user = optarg;
		opt->all = true;
		break;
	case 'V':
		printf("fdaudit %s\n", FDAUDIT_VERSION);
		exit(EXIT_STATUS_OK);
	case 'w':
		percent_option(optarg, "-w", &opt->thresholds.warn);
		break;
	case OPT_WARN_COUNT:
		range_option(optarg, "--warn-count",
		    &opt->thresholds.warn_count);
		break;
	case OPT_CRIT_COUNT:
		range_option(optarg, "--crit-count",
		    &opt->thresholds.crit_count);
		break;
	case OPT_PID_LABEL:
		opt->pid_label = true;
		break;
	case OPT_NO_PEERS:
		opt->no_peers = true;
		break;
	case OPT_BY:
		if (strcmp(optarg, "unit") == 0)
			opt->by_unit = true;
		else if (strcmp(optarg, "process") == 0)
			opt->by_unit = false;
		else
			bad_usage("--by \"%s\" is unknown: use unit or process",
			    optarg);
		break;
	case OPT_PATH:
		opt->paths = true;
		break;
	case OPT_COLUMNS:
		columns_option(opt, optarg);
		break;
	case OPT_LIST_COLUMNS:
		table_columns_list(stdout);
		exit(EXIT_STATUS_OK);
	case OPT_NO_HEADING:
		opt->no_heading = true;
		break;
	case OPT_SORT:
		if (audit_sort_key_parse(optarg, &opt->sort) != 0)
			bad_usage("unknown sort key \"%s\": use %s", optarg,
			    SORT_KEY_WORDS);
		break;
	case OPT_PORT:
		port_add(&opt->hold, optarg);
		break;
	case OPT_TOP:
		opt->top = (size_t)number_parse(optarg, "--top", 1, INT_MAX);
		break;
	case OPT_STATE:
		opt->state = optarg;
		break;
	case OPT_LEAK_RUNS:
		opt->trend.leak_runs = (unsigned)number_parse(optarg,
		    "--leak-runs", 1, STATE_MAX_SAMPLES - 1);
		break;
	case OPT_HORIZON:
		opt->trend.horizon_s = duration_parse(optarg, "--horizon");
		break;
	case OPT_MIN_SPAN:
		opt->trend.min_span_s = duration_parse(optarg, "--min-span");
		break;
	case ':':
		bad_usage("option \"%s\" needs an argument", argv[optind - 1]);
	default:
		/* A long option given a value it takes none of: name it all. */
		if (optopt != 0 && optopt < OPT_TOP &&
		    strncmp(argv[optind - 1], "--", 2) != 0)
			bad_usage("unknown option \"-%c\"", optopt);
		bad_usage("unknown or malformed option \"%s\"",
		    argv[optind - 1]);
	}
}

/* The options whose effect depends on others, by their short names. */
static const struct {
	int		 ch;
	const char	*name;
} option_names[] = {
	{ 'a', "-a" }, { 'C', "-C" }, { 'c', "-c" }, { 'd', "-d" },
	{ 'l', "-l" }, { 'p', "-p" }, { 'r', "-r" }, { 's', "-s" },
	{ 't', "-t" }, { 'u', "-u" }, { 'w', "-w" },
	{ OPT_TOP, "--top" }, { OPT_STATE, "--state" },
	{ OPT_LEAK_RUNS, "--leak-runs" }, { OPT_HORIZON, "--horizon" },
	{ OPT_MIN_SPAN, "--min-span" }, { OPT_WARN_COUNT, "--warn-count" },
	{ OPT_CRIT_COUNT, "--crit-count" }, { OPT_PID_LABEL, "--pid-label" },
	{ OPT_NO_PEERS, "--no-peers" }, { OPT_COLUMNS, "--columns" },
	{ OPT_NO_HEADING, "--no-heading" }, { OPT_SORT, "--sort" },
	{ OPT_BY, "--by" },
};

static bool
holders_asked(const struct options *opt)
{
	return opt->paths || opt->hold.nports > 0;
}

/*
 * When option `ch' would do nothing, as the end of "-d does nothing ...";
 * NULL when it does something.
 */
static const char *
option_idle(const struct options *opt, int ch)
{
	bool table = opt->format == &output_table_ops;

	if (holders_asked(opt))
		return ch == 'r' && !opt->paths ? "without --path" :
		    ch == 'r' || (ch == OPT_NO_HEADING && table) ? NULL :
		    ch == OPT_NO_HEADING ? "with a format other than table" :
		    "with --path or --port";
	switch (ch) {
	case OPT_SORT:
		/* The rows of services have their own columns and order. */
		if (opt->by_unit && table)
			return "with --by unit";
		return opt->all ? NULL : "without --all (or -C, -u)";
	case OPT_COLUMNS:
		if (opt->by_unit && table)
			return "with --by unit";
		/* FALLTHROUGH */
	case OPT_NO_HEADING:
	case OPT_BY:
		return opt->all && table ? NULL :
		    "without --all (or -C, -u) in a table";
	case 'd':
	case OPT_TOP:
		return opt->all ? NULL : "without --all (or -C, -u)";
	case OPT_LEAK_RUNS:
	case OPT_HORIZON:
	case OPT_MIN_SPAN:
		return opt->state != NULL ? NULL : "without --state";
	case OPT_PID_LABEL:
		return opt->format == &output_prometheus_ops ? NULL :
		    "without -f prometheus";
	case OPT_NO_PEERS:
		return !opt->all && !opt->summary ? NULL :
		    "with --all (or -C, -u) or -s";
	case 'l':
		return table && !opt->all && !opt->summary ? NULL :
		    "with --all (or -C, -u), -s or a format other than table";
	case 's':
		/* The --all rows have no descriptor rows to leave out. */
		return !opt->all || (!table && (opt->descriptors ||
		    opt->type_filter != 0)) ? NULL :
		    "with --all (or -C, -u) in a table, or without -d or -t";
	case 'r':
		return "without --path";
	default:
		return NULL;
	}
}

/* An option that would do nothing is an error naming it. */
static void
options_idle_check(const struct options *opt)
{
	const char *why;

	for (size_t i = 0; i < sizeof(option_names) / sizeof(option_names[0]);
	    i++) {
		int ch = option_names[i].ch;

		if (opt->given[ch] && (why = option_idle(opt, ch)) != NULL)
			bad_usage("%s does nothing %s", option_names[i].name,
			    why);
	}
	if (holders_asked(opt) && opt->format != &output_table_ops &&
	    opt->format != &output_json_ops)
		bad_usage("--path and --port report as table or json, not %s",
		    opt->format->name);
}

static void
options_parse(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "all",	no_argument,		NULL, 'a' },
		{ "by",		required_argument,	NULL, OPT_BY },
		{ "command",	required_argument,	NULL, 'C' },
		{ "crit",	required_argument,	NULL, 'c' },
		{ "crit-count",	required_argument,	NULL, OPT_CRIT_COUNT },
		{ "descriptors", no_argument,		NULL, 'd' },
		{ "format",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "horizon",	required_argument,	NULL, OPT_HORIZON },
		{ "leak-runs",	required_argument,	NULL, OPT_LEAK_RUNS },
		{ "min-span",	required_argument,	NULL, OPT_MIN_SPAN },
		{ "long",	no_argument,		NULL, 'l' },
		{ "no-peers",	no_argument,		NULL, OPT_NO_PEERS },
		{ "output",	required_argument,	NULL, 'o' },
		{ "path",	no_argument,		NULL, OPT_PATH },
		{ "columns",	required_argument,	NULL, OPT_COLUMNS },
		{ "list-columns", no_argument,		NULL, OPT_LIST_COLUMNS },
		{ "no-heading",	no_argument,		NULL, OPT_NO_HEADING },
		{ "sort",	required_argument,	NULL, OPT_SORT },
		{ "port",	required_argument,	NULL, OPT_PORT },
		{ "recursive",	no_argument,		NULL, 'r' },
		{ "pid",	required_argument,	NULL, 'p' },
		{ "pid-label",	no_argument,		NULL, OPT_PID_LABEL },
		{ "state",	required_argument,	NULL, OPT_STATE },
		{ "summary",	no_argument,		NULL, 's' },
		{ "top",	required_argument,	NULL, OPT_TOP },
		{ "type",	required_argument,	NULL, 't' },
		{ "user",	required_argument,	NULL, 'u' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "warn",	required_argument,	NULL, 'w' },
		{ "warn-count",	required_argument,	NULL, OPT_WARN_COUNT },
		{ NULL,		0,			NULL, 0 }
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":aC:c:df:hjlo:p:rst:u:Vw:",
	    longopts, NULL)) != -1) {
		option_apply(opt, ch, argv);
		if (ch > 0 && ch <= OPT_PORT)
			opt->given[ch] = argv[optind - 1];
	}
	if (opt->paths) {
		opt->files = argv + optind;
		opt->nfiles = (size_t)(argc - optind);
		if (opt->nfiles == 0)
			bad_usage("--path needs at least one file");
	} else if (optind < argc && opt->hold.nports > 0)
		bad_usage("PIDs and --port exclude each other");
	for (int i = optind; i < argc && !opt->paths; i++)
		pid_add(opt, argv[i], "PID");
	options_idle_check(opt);
	if (holders_asked(opt))
		return;
	if (opt->npids == 0 && !opt->all)
		bad_usage("no PID given, and no --all");
	if (opt->npids > 0 && opt->all)
		bad_usage("PIDs and --all (or -C, -u) exclude each other");
	if (opt->by_unit && (!opt->all || opt->format != &output_table_ops))
		bad_usage("--by unit is a view of the --all table: give -a "
		    "and no other format");
	if (ranges_inverted(&opt->thresholds.warn, &opt->thresholds.crit))
		bad_usage("warning threshold %s%% is above the critical "
		    "threshold %s%%", opt->thresholds.warn.text,
		    opt->thresholds.crit.text);
	if (ranges_inverted(&opt->thresholds.warn_count,
	    &opt->thresholds.crit_count))
		bad_usage("warning count %s is above the critical count %s",
		    opt->thresholds.warn_count.text,
		    opt->thresholds.crit_count.text);
}

/*
 * -u names a user the system knows, or a numeric ID: a typing mistake is
 * said as such, not as a user without processes.
 */
static void
user_check(const char *user)
{
	if (user == NULL || (user[0] != '\0' &&
	    user[strspn(user, "0123456789")] == '\0'))
		return;
	if (platform_user_find(user) == -ENOENT)
		bad_usage("unknown user \"%s\"", user);
}

/* What might let the caller read a process it was refused. */
static void
error_hint(FILE *out, int error)
{
	const char *privilege = platform_privilege_hint();

	if (error == -EACCES || error == -EPERM) {
		fputs(": run as its user", out);
		if (privilege != NULL)
			fprintf(out, ", or %s", privilege);
	} else if (error == -PLATFORM_EHIDDEN)
		fputs(": run as its user, or as root", out);
}

static void
error_print(const struct process *proc)
{
	fprintf(stderr, "fdaudit: PID %d: %s%s", proc->pid,
	    process_shown(proc) ? "descriptor table: " : "",
	    platform_strerror(proc->error));
	error_hint(stderr, proc->error);
	fputc('\n', stderr);
}

/*
 * A process that could not be read is an error, on a line of its own.
 * With --all, one whose descriptor table was refused is reported by its
 * count and limits, and named in the footer like those not read at all;
 * a check of chosen services (-C, -u) also says so here, in one line
 * however many there are.
 */
static void
errors_print(const struct options *opt, const struct report *report)
{
	const struct process *last = NULL;
	size_t refused = 0;
	bool chosen = opt->filter.command != NULL || opt->filter.user != NULL;

	for (size_t i = 0; i < report->nprocesses; i++) {
		const struct process *proc = &report->processes[i];

		if (proc->error == 0)
			continue;
		if (opt->all && process_shown(proc)) {
			refused += chosen;
			last = proc;
			continue;
		}
		error_print(proc);
	}
	if (refused == 1)
		error_print(last);
	else if (refused > 1) {
		fprintf(stderr, "fdaudit: %zu descriptor tables not listed: "
		    "%s", refused, platform_strerror(last->error));
		error_hint(stderr, last->error);
		fputc('\n', stderr);
	}
}

static int
exit_status(const struct report *report)
{
	switch (report->totals.worst) {
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

/*
 * A thread's ID named on the command line stands for its process: say
 * so, and audit the process, once.
 */
static void
threads_to_processes(struct options *opt)
{
	size_t n = 0;
	int process;

	for (size_t i = 0; i < opt->npids; i++) {
		int pid = opt->pids[i];
		bool seen = false;

		if (platform_thread_group(pid, &process) == 0 &&
		    process != pid) {
			fprintf(stderr, "fdaudit: %d is a thread of process "
			    "%d: auditing the process\n", pid, process);
			pid = process;
		}
		for (size_t j = 0; j < n && !seen; j++)
			seen = opt->pids[j] == pid;
		if (!seen)
			opt->pids[n++] = pid;
	}
	opt->npids = n;
}

/* What to ask the platform layer for each process. */
static unsigned
parts_wanted(const struct options *opt)
{
	unsigned what = PROCESS_IDENTITY | PROCESS_LIMITS;

	/*
	 * The owner costs a file a process, about a tenth of the time of
	 * -a; the Nagios text, run the most often, does not show it.
	 */
	if (opt->format != &output_nagios_ops)
		what |= PROCESS_SERVICE;
	if (!opt->all || opt->descriptors || opt->type_filter != 0)
		return what | PROCESS_FDS;
	return what | PROCESS_COUNT;
}

static int
collect(const struct options *opt, struct report *report)
{
	int error;

	if (opt->all)
		error = collect_all(report, &opt->filter, parts_wanted(opt));
	else
		error = collect_pids(report, opt->pids, opt->npids,
		    parts_wanted(opt));
	/* Peers cost a look at every other process: named PIDs only. */
	if (error == 0 && !opt->all && !opt->summary && !opt->no_peers &&
	    platform_peers_read(report->processes, report->nprocesses) ==
	    -ENOMEM)
		error = -ENOMEM;
	if (error != 0) {
		fprintf(stderr, "fdaudit: reading processes: %s\n",
		    platform_strerror(error));
		report->failure = "the processes could not be read";
		return EXIT_STATUS_UNKNOWN;
	}
	errors_print(opt, report);
	for (size_t i = 0; i < report->nprocesses; i++)
		audit_process(&report->processes[i], &opt->thresholds);
	if (opt->all && report->nprocesses == 0 &&
	    (opt->filter.command != NULL || opt->filter.user != NULL)) {
		fprintf(stderr, "fdaudit: no process matches%s%s%s%s\n",
		    opt->filter.command ? " command " : "",
		    opt->filter.command ? opt->filter.command : "",
		    opt->filter.user ? " user " : "",
		    opt->filter.user ? opt->filter.user : "");
		report->failure = "no process matches";
		return EXIT_STATUS_UNKNOWN;
	}
	return EXIT_STATUS_OK;
}

struct report_writing {
	const struct output_ops		*format;
	const struct report		*report;
};

static void
report_print(FILE *out, const void *arg)
{
	const struct report_writing *w = arg;

	output_write(w->format, out, w->report);
}

/* Print the report to stdout or to the -o file. */
static int
report_write(const struct options *opt, const struct report *report)
{
	struct report_writing w = { opt->format, report };

	return output_file_write("fdaudit", opt->output, stdout, report_print,
	    &w);
}

/*
 * Apply the state file.  A failure to keep it is a warning, as the report
 * itself is still right; a path that is not a regular file is refused
 * (exit 3, no report), since the user named the wrong thing.
 */
static int
state_run(const struct options *opt, struct report *report)
{
	char *warning = NULL;
	int error;

	if (opt->state == NULL)
		return 0;
	report->trend = true;
	if ((error = state_apply(opt->state, report, &opt->trend,
	    &warning)) != 0 || warning != NULL)
		fprintf(stderr, "fdaudit: %s: %s%s\n", opt->state,
		    warning != NULL ? warning : platform_strerror(error),
		    error == -PLATFORM_ENOTREG ? "; nothing was replaced" : "");
	free(warning);
	return error == -PLATFORM_ENOTREG ? -1 : 0;
}

/*
 * --path and --port: who holds the files or ports.  The exit status says
 * whether anything does, as lsof's does: 0 found, 1 none, 3 an error.
 */
static int
holders_run(struct options *opt, struct report *report)
{
	int error;

	for (size_t i = 0; i < opt->nfiles; i++) {
		if ((error = platform_path_ids(opt->files[i], opt->recursive,
		    &opt->hold)) != 0) {
			fprintf(stderr, "fdaudit: %s: %s\n", opt->files[i],
			    platform_strerror(error));
			return EXIT_STATUS_UNKNOWN;
		}
	}
	hold_query_sort(&opt->hold);
	report->holders = true;
	if ((error = platform_holders_find(&opt->hold, report)) != 0) {
		if (error == -EINVAL)
			bad_usage("--port: an address given is not an IPv4 or "
			    "IPv6 address");
		fprintf(stderr, "fdaudit: reading processes: %s\n",
		    platform_strerror(error));
		return EXIT_STATUS_UNKNOWN;
	}
	for (size_t i = 0; i < report->nprocesses; i++)
		audit_process(&report->processes[i], &opt->thresholds);
	/* Nothing found may only mean nothing could be looked at. */
	if (report->not_searched > 0) {
		const char *privilege = platform_privilege_hint();

		fprintf(stderr, "fdaudit: %zu process%s not searched: "
		    "permission denied", report->not_searched,
		    report->not_searched == 1 ? "" : "es");
		if (privilege != NULL)
			fprintf(stderr, " (run %s to search them)", privilege);
		fputc('\n', stderr);
	}
	if (report_write(opt, report) != 0)
		return EXIT_STATUS_UNKNOWN;
	return report->nprocesses > 0 ? EXIT_STATUS_OK : EXIT_STATUS_NOT_HELD;
}

int
main(int argc, char **argv)
{
	struct options opt = {
		.format = &output_table_ops,
		.trend = { .leak_runs = 3, .horizon_s = 86400,
		    .min_span_s = 300 },
	};
	struct report report = { 0 };
	const char *no_color;
	double started;
	bool state_refused;
	int status, health, error;

	if (argc > 1 && strcmp(argv[1], "watch") == 0)
		return watch_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "run") == 0)
		return run_main(argc - 1, argv + 1);
	thresholds_default(&opt.thresholds);
	main_cli.nagios = nagios_format_given(argc, argv);
	options_parse(argc, argv, &opt);
	if ((error = platform_init()) != 0) {
		fprintf(stderr, "fdaudit: %s\n", platform_strerror(error));
		if (main_cli.nagios)
			printf("FDAUDIT UNKNOWN - %s\n",
			    platform_strerror(error));
		return EXIT_STATUS_UNKNOWN;
	}
	if (holders_asked(&opt)) {
		report.no_heading = opt.no_heading;
		report.width = opt.output == NULL && isatty(STDOUT_FILENO) ?
		    output_terminal_width(STDOUT_FILENO) : 0;
		escape_set_utf8(platform_output_utf8());
		status = holders_run(&opt, &report);
		report_free(&report);
		hold_query_free(&opt.hold);
		platform_fini();
		return status;
	}
	user_check(opt.filter.user);
	threads_to_processes(&opt);
	started = platform_monotonic();
	report.all = opt.all;
	report.every_process = opt.all && opt.filter.command == NULL &&
	    opt.filter.user == NULL;
	report.summary = opt.summary;
	report.offsets = opt.offsets;
	report.pid_label = opt.pid_label;
	report.by_unit = opt.by_unit;
	report.wall_time = (int64_t)time(NULL);
	if (platform_hostname(report.hostname, sizeof(report.hostname)) != 0)
		report.hostname[0] = '\0';
	memcpy(report.columns, opt.columns, sizeof(report.columns));
	report.ncolumns = opt.ncolumns;
	report.no_heading = opt.no_heading;
	report.per_fd = (parts_wanted(&opt) & PROCESS_FDS) != 0;
	report.type_filter = opt.type_filter;
	report.thresholds = opt.thresholds;
	report.privilege_hint = platform_privilege_hint();
	no_color = getenv("NO_COLOR");
	report.color = opt.output == NULL && isatty(STDOUT_FILENO) &&
	    (no_color == NULL || *no_color == '\0');
	/* Only a terminal has a width to keep to; files get every byte. */
	if (opt.output == NULL && isatty(STDOUT_FILENO))
		report.width = output_terminal_width(STDOUT_FILENO);
	escape_set_utf8(platform_output_utf8());

	status = collect(&opt, &report);
	(void)platform_system_read(&report.system);
	state_refused = state_run(&opt, &report) != 0;
	/* The status is that of every process, before --top cuts. */
	audit_totals(&report);
	health = exit_status(&report);
	if (opt.all) {
		audit_sort(&report);
		if (opt.top > 0)
			audit_top(&report, opt.top);
		if (opt.sort != SORT_USAGE)
			audit_sort_by(&report, opt.sort);
	}
	report.duration = platform_monotonic() - started;
	if (state_refused)
		status = EXIT_STATUS_UNKNOWN;
	else if (status == EXIT_STATUS_OK || report.nprocesses > 0 ||
	    opt.format != &output_table_ops) {
		if (report_write(&opt, &report) != 0)
			status = EXIT_STATUS_UNKNOWN;
	}
	if (status == EXIT_STATUS_OK)
		status = health;
	report_free(&report);
	free(opt.pids);
	hold_query_free(&opt.hold);
	platform_fini();
	return status;
}
