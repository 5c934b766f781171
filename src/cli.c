/*
 * Usage errors of every command: the same one line on stderr, the
 * command's own exit status.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/*
 * A monitoring system shows only stdout: it gets the plugin's line,
 * with "|" (which would start performance data) and newlines (which
 * would start the long text) replaced.
 */
static void
cli_nagios_line(const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	for (char *c = line; *c != '\0'; c++)
		if (*c == '|' || *c == '\n')
			*c = '/';
	printf("FDAUDIT UNKNOWN - %s\n", line);
}

void
cli_vusage_error(const struct cli *cli, const char *fmt, va_list ap)
{
	va_list again;

	va_copy(again, ap);
	fprintf(stderr, "%s: ", cli->name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see '%s')\n", cli->help);
	if (cli->nagios)
		cli_nagios_line(fmt, again);
	va_end(again);
	exit(cli->status);
}

void
cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vusage_error(cli, fmt, ap);
	/* Not reached: the usage error exits. */
	va_end(ap);
}
