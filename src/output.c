/*
 * The output formats, as a table of operations chosen by name.
 */
#include <errno.h>
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

/*
 * Write a report through fn to path, or to the stream standard when path
 * is NULL.  Every mode writes its -o file here, by the platform's rule: a
 * regular file atomically, a FIFO or a device in place.  A failure is one
 * line on stderr naming the path, prefixed with who, and -1.
 */
int
output_file_write(const char *who, const char *path, FILE *standard,
    void (*fn)(FILE *, const void *), const void *arg)
{
	struct platform_file *file = NULL;
	FILE *out = standard;
	int error = 0;

	if (path != NULL &&
	    (error = platform_file_create(path, 0, &file, &out)) != 0) {
		fprintf(stderr, "%s: %s: %s; the report was not written\n",
		    who, path, platform_strerror(error));
		return -1;
	}
	fn(out, arg);
	if (file != NULL)
		error = platform_file_commit(file);
	else if (fflush(out) != 0 || ferror(out))
		error = -errno;
	if (error != 0) {
		fprintf(stderr, "%s: %s: %s; the report was not written\n",
		    who, path != NULL ? path : "writing the report",
		    platform_strerror(error));
		return -1;
	}
	return 0;
}
