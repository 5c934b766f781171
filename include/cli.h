/*
 * The command line shared by fdaudit and its subcommands: how a usage
 * error is told.  Each command describes itself once; only the command
 * decides to exit, through cli_usage_error.
 */
#ifndef FDAUDIT_CLI_H
#define FDAUDIT_CLI_H

#include <stdarg.h>
#include <stdbool.h>

struct cli {
	const char	*name;		/* prefix of the message: "fdaudit" */
	const char	*help;		/* where to look: "fdaudit --help" */
	int		 status;	/* exit status of a usage error */
	bool		 nagios;	/* also the plugin's UNKNOWN line on
					   stdout, for a monitoring system */
};

/* One line on stderr naming the problem, then exit with cli->status. */
void	cli_usage_error(const struct cli *, const char *, ...)
	    __attribute__((noreturn, format(printf, 2, 3)));
void	cli_vusage_error(const struct cli *, const char *, va_list)
	    __attribute__((noreturn, format(printf, 2, 0)));

/* The subcommands, each with its own options and exit statuses. */
int	watch_main(int, char **);
int	run_main(int, char **);
/* The synopsis of fdaudit run, which fdaudit's usage repeats. */
extern const char run_synopsis[];

#endif /* FDAUDIT_CLI_H */
