/*
 * The output formats, as a table of operations chosen by name.
 */
#include <string.h>

#include "compat.h"
#include "fdaudit.h"

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
	return report->type_filter == 0 ||
	    (report->type_filter & (1u << fd->type)) != 0;
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
