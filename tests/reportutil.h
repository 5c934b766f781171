/*
 * Helpers shared by the suites that read fdaudit's JSON report: parse
 * what the binary printed, and find a process or a descriptor in it.
 */
#ifndef REPORTUTIL_H
#define REPORTUTIL_H

#include <sys/types.h>

#include "jsonparse.h"
#include "testutil.h"

/* The report in r's standard output; the test fails if it is not JSON. */
struct jv	*report_parse(const struct run_result *);
/* The process with this PID in the report's "processes", or NULL. */
const struct jv	*report_process(const struct jv *, pid_t);
/* The descriptor numbered fd in a process's "fds", or NULL. */
const struct jv	*report_fd(const struct jv *, int);

#endif /* REPORTUTIL_H */
