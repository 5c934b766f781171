/*
 * The output formats, as a table of operations chosen by name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

static const struct output_ops *const output_formats[] = {
	&output_table_ops,
	&output_json_ops,
	&output_jsonl_ops,
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

/*
 * The module's state lives on this stack for one report: nothing is
 * kept between reports, and there is no allocation to fail.
 */
void
output_write(const struct output_ops *ops, FILE *out,
    const struct report *report)
{
	union {
		max_align_t	 align;
		unsigned char	 bytes[OUTPUT_STATE_MAX];
	} state;
	struct output_context ctx = { out, report, &state };

	memset(&state, 0, ops->state_size);
	ops->begin(&ctx);
	for (size_t i = 0; i < report->nprocesses; i++) {
		if (process_shown(&report->processes[i]))
			ops->process(&ctx, &report->processes[i]);
	}
	ops->end(&ctx);
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

/* $NAME when it is a number from 1 to 100000, else 0. */
static int
size_from_environment(const char *name)
{
	const char *value = getenv(name), *errstr;
	long long v;

	if (value == NULL || *value == '\0')
		return 0;
	v = strtonum(value, 1, 100000, &errstr);
	return errstr == NULL ? (int)v : 0;
}

/*
 * The columns to fit on the terminal on descriptor fd: $COLUMNS when it
 * is a number, else what the terminal says, else 80.
 */
int
output_terminal_width(int fd)
{
	int columns, rows;

	if ((columns = size_from_environment("COLUMNS")) > 0)
		return columns;
	platform_terminal_size(fd, &columns, &rows);
	return columns > 0 ? columns : 80;
}

/* The rows of the terminal: $LINES, else the terminal's, else 24. */
int
output_terminal_height(int fd)
{
	int columns, rows;

	if ((rows = size_from_environment("LINES")) > 0)
		return rows;
	platform_terminal_size(fd, &columns, &rows);
	return rows > 0 ? rows : 24;
}

/*
 * A duration as people read it, to the two largest units: "45s",
 * "12m30s", "2h47m", "3d4h".
 */
const char *
output_duration(char *buf, size_t size, double seconds)
{
	static const struct {
		char	 unit;
		long	 seconds;
	} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	unsigned long long left;
	size_t i;

	if (!(seconds >= 0) || seconds > 1e15) {
		strlcpy(buf, "?", size);
		return buf;
	}
	left = (unsigned long long)(seconds + 0.5);
	/* The largest unit the value rounded to the next one reaches. */
	for (i = 0; i < 3; i++) {
		unsigned long long step, rounded;

		step = (unsigned long long)units[i + 1].seconds;
		rounded = (left + step / 2) / step * step;

		if (rounded >= (unsigned long long)units[i].seconds) {
			left = rounded;
			break;
		}
	}
	if (i == 3) {
		snprintf(buf, size, "%llus", left);
		return buf;
	}
	snprintf(buf, size, "%llu%c", left / units[i].seconds, units[i].unit);
	if (left % units[i].seconds / units[i + 1].seconds > 0)
		snprintf(buf + strlen(buf), size - strlen(buf), "%llu%c",
		    left % units[i].seconds / units[i + 1].seconds,
		    units[i + 1].unit);
	return buf;
}

/*
 * Seconds since the epoch as an ISO 8601 time in UTC,
 * "2026-12-05T12:00:00Z", counted here from the days since 1970 (the
 * civil calendar in 400-year eras) as no C function does it both
 * reentrantly and everywhere.
 */
const char *
output_utc_time(char *buf, size_t size, int64_t seconds)
{
	int64_t days = seconds >= 0 ? seconds / 86400 :
	    -((-seconds + 86399) / 86400);
	int64_t rest = seconds - days * 86400;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t day = doy - (153 * mp + 2) / 5 + 1;
	int64_t month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2);

	snprintf(buf, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
	    (long long)year, (long long)month, (long long)day,
	    (long long)(rest / 3600), (long long)(rest % 3600 / 60),
	    (long long)(rest % 60));
	return buf;
}
