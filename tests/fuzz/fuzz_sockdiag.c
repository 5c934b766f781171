/*
 * libFuzzer harness for sockdiag_parse: the first byte of the input picks
 * the socket family, the rest is one netlink datagram.  The datagram is
 * copied into a buffer of its exact size, aligned as a receive buffer is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "socktable-linux.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sock_table *t;
	enum sock_family family;
	unsigned char *buf;

	if (size < 1)
		return 0;
	family = (enum sock_family)(data[0] % SOCK_FAMILY_COUNT);
	if ((buf = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if ((t = socktable_new()) != NULL) {
		(void)sockdiag_parse(buf, size - 1, family, t);
		socktable_free(t);
	}
	free(buf);
	return 0;
}
