/*
 * libFuzzer harness for the parsers of /proc text in fdinfo.c.  Every
 * parser sees every input: the seeds are real files of each kind, and a
 * parser must reject the others' text as safely as it takes its own.
 * The input is copied into a buffer of its exact size, without a NUL, so
 * AddressSanitizer catches any read past the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"
#include "fdinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_details(const char *buf, size_t size)
{
	for (int type = 0; type < FD_TYPE_COUNT; type++) {
		struct fd_detail *list = NULL;
		size_t n = 0;

		if (procfs_fdinfo_details_parse((enum fd_type)type, buf, size,
		    &list, &n) == 0)
			fd_details_free(list, n);
	}
}

static void
fuzz_process_files(const char *buf, size_t size)
{
	struct fdinfo info;
	struct fd_limits limits;
	struct system_info sys;
	struct proc_stat ps;
	struct proc_hidepid hidepid;
	struct mountinfo_entry mount;
	struct proc_cgroup cg;
	uint64_t value;
	long uid;
	int pid, levels;

	memset(&info, 0, sizeof(info));
	(void)procfs_fdinfo_parse(buf, size, &info);
	memset(&limits, 0, sizeof(limits));
	(void)procfs_limits_parse(buf, size, &limits);
	(void)procfs_status_parse_uid(buf, size, &uid);
	(void)procfs_status_parse_nspid(buf, size, &pid);
	(void)procfs_status_parse_nspid_levels(buf, size, &levels, &pid);
	if (procfs_cgroup_parse(buf, size, &cg) == 0) {
		free(cg.path);
		free(cg.unit);
		free(cg.container);
	}
	memset(&ps, 0, sizeof(ps));
	if (procfs_stat_parse(buf, size, &ps) == 0)
		free(ps.command);
	memset(&sys, 0, sizeof(sys));
	(void)procfs_file_nr_parse(buf, size, &sys);
	(void)procfs_single_number_parse(buf, size, &value);
	if (procfs_mountinfo_line_parse(buf, size, &mount) == 0) {
		procfs_hidepid_parse(mount.super_options,
		    mount.super_options_len, &hidepid);
		(void)procfs_fstype_may_wait(mount.fstype, mount.fstype_len);
	}
}

/* procfs_sockproto_name takes a string: the input up to its first NUL. */
static void
fuzz_sockproto(const uint8_t *data, size_t size)
{
	char *kernel, out[16];

	if ((kernel = strndup((const char *)data, size)) == NULL)
		return;
	(void)procfs_sockproto_name(kernel, out, sizeof(out));
	(void)procfs_sockproto_name(kernel, out, 1);
	(void)procfs_sockproto_name(kernel, out, 0);
	free(kernel);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	fuzz_process_files(buf, size);
	fuzz_details(buf, size);
	free(buf);
	fuzz_sockproto(data, size);
	return 0;
}
