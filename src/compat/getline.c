/*
 * getline(3) for C libraries without it (mingw-w64): read a line of any
 * length into *line, growing it, newline included.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "compat.h"

ssize_t
getline(char **line, size_t *size, FILE *stream)
{
	size_t len = 0;
	char *grown;
	int c;

	if (line == NULL || size == NULL) {
		errno = EINVAL;
		return -1;
	}
	while ((c = getc(stream)) != EOF) {
		if (*line == NULL || len + 2 > *size) {
			size_t cap = *size > 64 ? *size * 2 : 128;

			if ((grown = realloc(*line, cap)) == NULL) {
				errno = ENOMEM;
				return -1;
			}
			*line = grown;
			*size = cap;
		}
		(*line)[len++] = (char)c;
		if (c == '\n')
			break;
	}
	if (len == 0)
		return -1;
	(*line)[len] = '\0';
	return (ssize_t)len;
}
