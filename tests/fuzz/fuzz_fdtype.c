/*
 * libFuzzer harness for the classification of a descriptor's link text
 * (/proc/PID/fd/N).  The text is NUL-terminated, as readlink's result is
 * once the caller has terminated it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum fd_object object;
	enum fd_type type;
	size_t pathlen = 0;
	char *link;

	if ((link = strndup((const char *)data, size)) == NULL)
		return 0;
	type = fdtype_classify_link(link, &object);
	if ((unsigned)type >= FD_TYPE_COUNT || fdtype_name(type) == NULL)
		abort();
	if (fdtype_link_deleted(link, &pathlen) && pathlen >= strlen(link))
		abort();
	free(link);
	return 0;
}
