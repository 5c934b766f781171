/*
 * The output formats, as a table of operations chosen by name.
 */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

static const struct output_ops *const output_formats[] = {
	&output_table_ops,
	&output_json_ops,
	&output_nagios_ops,
	&output_prometheus_ops,
};

const struct output_ops *
output_find(const char *name)
{
	for (size_t i = 0; i < sizeof(output_formats) /
	    sizeof(output_formats[0]); i++) {
		if (strcmp(output_formats[i]->name, name) == 0)
			return output_formats[i];
	}
	return NULL;
}

/* Whether a descriptor passes the --type filter. */
bool
output_fd_selected(const struct report *report, const struct fd_entry *fd)
{
	return fdtype_filter_matches(report->type_filter, fd);
}

void
output_write(const struct output_ops *ops, FILE *out,
    const struct report *report)
{
	ops->begin(out, report);
	for (size_t i = 0; i < report->nprocesses; i++) {
		if (process_shown(&report->processes[i]))
			ops->process(out, report, &report->processes[i]);
	}
	ops->end(out, report);
}

/*
 * The columns to fit on the terminal on descriptor fd: $COLUMNS when it
 * is a number, else what the terminal says, else 80.
 */
int
output_terminal_width(int fd)
{
	const char *columns = getenv("COLUMNS"), *errstr;
	long long v;
	int width;

	if (columns != NULL && *columns != '\0') {
		v = strtonum(columns, 1, 100000, &errstr);
		if (errstr == NULL)
			return (int)v;
	}
	if ((width = platform_terminal_width(fd)) > 0)
		return width;
	return 80;
}
