/*
 * fdaudit run where it cannot work: following a command's processes
 * needs ptrace and /proc, which only the Linux build has.
 */
#include <stdio.h>

#include "cli.h"

/* fdaudit run's own error status, as on Linux. */
#define RUN_EXIT_ERROR	125

/* What the usage says of run: it exists, elsewhere. */
const char run_synopsis[] =
    "fdaudit run [--] command [arg ...]      (on Linux only)\n";

int
run_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "fdaudit run: not supported on this operating "
	    "system: it needs Linux\n");
	return RUN_EXIT_ERROR;
}
