/*
 * localtime_r(3) on Windows, where the reentrant version is localtime_s
 * with its arguments the other way round and an errno_t result.
 */
#include <time.h>

#include "compat.h"

struct tm *
localtime_r(const time_t *clock, struct tm *result)
{
	if (localtime_s(result, clock) != 0)
		return NULL;
	return result;
}
