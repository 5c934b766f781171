/* strndup(3) for C libraries without it (mingw-w64). */
#include <stdlib.h>
#include <string.h>

#include "compat.h"

char *
strndup(const char *s, size_t max)
{
	size_t len = strnlen(s, max);
	char *copy;

	if ((copy = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}
