/*
 * Parsers of the kernel's text files.  Each takes a buffer and its length,
 * need not be NUL-terminated, and never trusts the content: the files are
 * read from a process that may change or vanish while it is read, and the
 * fuzzers feed them arbitrary bytes.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"
#include "fdinfo.h"

/*
 * The next line of the buffer, without its newline; false at the end.
 * A last line without a newline is a line all the same.
 */
bool
procfs_line_next(struct procfs_cursor *c, const char **start, size_t *len)
{
	const char *nl;

	if (c->p >= c->end)
		return false;
	*start = c->p;
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (nl == NULL)
		nl = c->end;
	*len = (size_t)(nl - c->p);
	c->p = nl < c->end ? nl + 1 : c->end;
	return true;
}

/* If the line starts with `key', return what follows it, blanks skipped. */
static const char *
line_value(const char *line, size_t len, const char *key, size_t *vlen)
{
	size_t klen = strlen(key);
	const char *v;

	if (len < klen || memcmp(line, key, klen) != 0)
		return NULL;
	v = line + klen;
	while (v < line + len && (*v == ' ' || *v == '\t'))
		v++;
	*vlen = (size_t)(line + len - v);
	return v;
}

/*
 * An unsigned number in `base' (up to 16, either case) that fills
 * [s, s + len) up to trailing blanks.  Returns the number of digits read,
 * 0 on an error or overflow.
 */
size_t
procfs_number_parse(const char *s, size_t len, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else
			break;
		if (d >= base || v > (UINT64_MAX - d) / base)
			return 0;
		v = v * base + d;
	}
	if (i == 0)
		return 0;
	for (size_t j = i; j < len; j++) {
		if (s[j] != ' ' && s[j] != '\t')
			return 0;
	}
	*out = v;
	return i;
}

int
procfs_fdinfo_parse(const char *buf, size_t size, struct fdinfo *info)
{
	struct procfs_cursor c = { buf, buf + size };
	const char *line, *v;
	size_t len, vlen;
	uint64_t n;

	memset(info, 0, sizeof(*info));
	while (procfs_line_next(&c, &line, &len)) {
		if ((v = line_value(line, len, "pos:", &vlen)) != NULL) {
			if (procfs_number_parse(v, vlen, 10, &n) &&
			    n <= INT64_MAX) {
				info->pos = (int64_t)n;
				info->have_pos = true;
			}
		} else if ((v = line_value(line, len, "flags:", &vlen)) !=
		    NULL) {
			if (procfs_number_parse(v, vlen, 8, &n) &&
			    n <= ULONG_MAX) {
				info->flags = (unsigned long)n;
				info->have_flags = true;
			}
		} else if ((v = line_value(line, len, "ino:", &vlen)) !=
		    NULL) {
			if (procfs_number_parse(v, vlen, 10, &n)) {
				info->ino = n;
				info->have_ino = true;
			}
		} else if ((v = line_value(line, len, "mnt_id:", &vlen)) !=
		    NULL) {
			if (procfs_number_parse(v, vlen, 10, &n)) {
				info->mnt_id = n;
				info->have_mnt_id = true;
			}
		}
	}
	return info->have_flags ? 0 : -EINVAL;
}

/* A limit column: a number or "unlimited". */
static const char *
limit_field(const char *p, const char *end, uint64_t *value, bool *unlimited)
{
	const char *start;

	while (p < end && *p == ' ')
		p++;
	start = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	if (p == start)
		return NULL;
	if ((size_t)(p - start) == 9 && memcmp(start, "unlimited", 9) == 0) {
		*unlimited = true;
		*value = 0;
		return p;
	}
	*unlimited = false;
	if (!procfs_number_parse(start, (size_t)(p - start), 10, value))
		return NULL;
	return p;
}

/* /proc/PID/limits: the "Max open files" line. */
int
procfs_limits_parse(const char *buf, size_t size, struct fd_limits *limits)
{
	struct procfs_cursor c = { buf, buf + size };
	const char *line, *v, *p;
	size_t len, vlen;

	while (procfs_line_next(&c, &line, &len)) {
		if ((v = line_value(line, len, "Max open files", &vlen)) ==
		    NULL)
			continue;
		p = limit_field(v, v + vlen, &limits->soft,
		    &limits->soft_unlimited);
		if (p == NULL)
			return -EINVAL;
		p = limit_field(p, v + vlen, &limits->hard,
		    &limits->hard_unlimited);
		return p == NULL ? -EINVAL : 0;
	}
	return -EINVAL;
}

/* /proc/PID/status: the effective user ID, second field of "Uid:". */
int
procfs_status_parse_uid(const char *buf, size_t size, long *uid)
{
	struct procfs_cursor c = { buf, buf + size };
	const char *line, *v, *p, *end;
	size_t len, vlen;
	uint64_t n;

	while (procfs_line_next(&c, &line, &len)) {
		if ((v = line_value(line, len, "Uid:", &vlen)) == NULL)
			continue;
		end = v + vlen;
		p = v;
		while (p < end && *p != '\t' && *p != ' ')
			p++;
		while (p < end && (*p == '\t' || *p == ' '))
			p++;
		v = p;
		while (p < end && *p != '\t' && *p != ' ')
			p++;
		if (!procfs_number_parse(v, (size_t)(p - v), 10, &n) ||
		    n > LONG_MAX)
			return -EINVAL;
		*uid = (long)n;
		return 0;
	}
	return -EINVAL;
}

/* /proc/PID/status: the thread group ID, the PID of the process. */
int
procfs_status_parse_tgid(const char *buf, size_t size, int *tgid)
{
	struct procfs_cursor c = { buf, buf + size };
	const char *line, *v;
	size_t len, vlen;
	uint64_t n;

	while (procfs_line_next(&c, &line, &len)) {
		if ((v = line_value(line, len, "Tgid:", &vlen)) == NULL)
			continue;
		if (!procfs_number_parse(v, vlen, 10, &n) || n == 0 ||
		    n > INT_MAX)
			return -EINVAL;
		*tgid = (int)n;
		return 0;
	}
	return -EINVAL;
}

/*
 * /proc/PID/status: the PID namespaces of the process, one number per
 * level of "NSpid:" from the namespace /proc belongs to inward, and the
 * last of them, its PID in its own namespace.  One level means the
 * process is in the namespace of /proc, where its PID is the one seen.
 */
int
procfs_status_parse_nspid_levels(const char *buf, size_t size, int *levels,
    int *inner)
{
	struct procfs_cursor c = { buf, buf + size };
	const char *line, *v, *p, *end, *word;
	size_t len, vlen;
	uint64_t n = 0;
	int count = 0;

	while (procfs_line_next(&c, &line, &len)) {
		if ((v = line_value(line, len, "NSpid:", &vlen)) == NULL)
			continue;
		end = v + vlen;
		for (p = v; p < end;) {
			while (p < end && (*p == '\t' || *p == ' '))
				p++;
			if (p == end)
				break;
			for (word = p; p < end && *p != '\t' && *p != ' '; p++)
				;
			if (!procfs_number_parse(word, (size_t)(p - word), 10,
			    &n) ||
			    n == 0 || n > INT_MAX)
				return -EINVAL;
			count++;
		}
		if (count == 0)
			return -EINVAL;
		*levels = count;
		*inner = (int)n;
		return 0;
	}
	return -EINVAL;
}

/*
 * /proc/PID/status: the PID of the process in its own PID namespace, the
 * last number of "NSpid:" (the first is the PID where /proc was mounted).
 */
int
procfs_status_parse_nspid(const char *buf, size_t size, int *nspid)
{
	int levels;

	return procfs_status_parse_nspid_levels(buf, size, &levels, nspid);
}

/* The suffixes of the systemd units a process can be in. */
static const char *const unit_suffixes[] = {
	".service", ".scope", ".socket", ".mount", ".swap",
};

static bool
unit_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(unit_suffixes) /
	    sizeof(unit_suffixes[0]); i++) {
		size_t slen = strlen(unit_suffixes[i]);

		if (len > slen && memcmp(name + len - slen, unit_suffixes[i],
		    slen) == 0)
			return true;
	}
	return false;
}

/*
 * The last component of a cgroup path that names a unit, into *unit;
 * NULL when none does.  0 or -ENOMEM.
 */
static int
cgroup_unit(const char *path, char **unit)
{
	const char *p = path, *best = NULL;
	size_t best_len = 0;

	while (*p != '\0') {
		size_t len = strcspn(p, "/");

		if (unit_name(p, len)) {
			best = p;
			best_len = len;
		}
		p += len;
		p += *p == '/';
	}
	*unit = NULL;
	if (best != NULL && (*unit = strndup(best, best_len)) == NULL)
		return -ENOMEM;
	return 0;
}

/*
 * The last run of exactly 64 hexadecimal digits standing alone in a
 * path, as the container runtimes name their cgroups:
 * "/docker/ID", "docker-ID.scope", "cri-containerd-ID.scope",
 * "crio-ID.scope", "libpod-ID.scope".
 */
static const char *
container_find(const char *p, size_t len)
{
	const char *found = NULL;
	size_t i = 0;

	while (i < len) {
		size_t run = 0;

		while (i + run < len && isxdigit((unsigned char)p[i + run]))
			run++;
		if (run == 64 && (i == 0 || !isalnum((unsigned char)p[i - 1]))
		    && (i + run == len || !isalnum((unsigned char)p[i + run])))
			found = p + i;
		i += run > 0 ? run : 1;
	}
	return found;
}

/* The path of a cgroup line "ID:CONTROLLERS:PATH", and its controllers. */
static bool
cgroup_line(const char *line, size_t len, const char **controllers,
    size_t *clen, const char **path, size_t *plen)
{
	const char *c1, *c2;

	if ((c1 = memchr(line, ':', len)) == NULL ||
	    (c2 = memchr(c1 + 1, ':', (size_t)(line + len - c1 - 1))) == NULL)
		return false;
	*controllers = c1 + 1;
	*clen = (size_t)(c2 - c1 - 1);
	*path = c2 + 1;
	*plen = (size_t)(line + len - c2 - 1);
	return true;
}

/*
 * /proc/PID/cgroup.  The path that names the service is that of the
 * unified hierarchy ("0::PATH"), unless it is the root: a hybrid system
 * then keeps its services in systemd's own hierarchy ("name=systemd").
 * The container ID is looked for in that path, then in every other.
 */
int
procfs_cgroup_parse(const char *buf, size_t size, struct proc_cgroup *cg)
{
	struct procfs_cursor c = { buf, buf + size };
	const char *line, *ctl, *path, *unified = NULL, *systemd = NULL;
	const char *first = NULL, *chosen, *id = NULL;
	size_t len, clen, plen, ulen = 0, slen = 0, flen = 0, chosen_len;

	memset(cg, 0, sizeof(*cg));
	while (procfs_line_next(&c, &line, &len)) {
		if (!cgroup_line(line, len, &ctl, &clen, &path, &plen))
			continue;
		if (first == NULL) {
			first = path;
			flen = plen;
		}
		if (clen == 0 && line[0] == '0' && line[1] == ':') {
			unified = path;
			ulen = plen;
		} else if (clen == 12 && memcmp(ctl, "name=systemd", 12) == 0) {
			systemd = path;
			slen = plen;
		}
		if (id == NULL)
			id = container_find(path, plen);
	}
	if (first == NULL)
		return -EINVAL;
	if (unified != NULL && (ulen != 1 || unified[0] != '/' ||
	    systemd == NULL)) {
		chosen = unified;
		chosen_len = ulen;
	} else if (systemd != NULL) {
		chosen = systemd;
		chosen_len = slen;
	} else {
		chosen = first;
		chosen_len = flen;
	}
	if (container_find(chosen, chosen_len) != NULL)
		id = container_find(chosen, chosen_len);
	if ((cg->path = strndup(chosen, chosen_len)) == NULL ||
	    (id != NULL && (cg->container = strndup(id, 64)) == NULL) ||
	    cgroup_unit(cg->path, &cg->unit) != 0)
		goto nomem;
	return 0;
nomem:
	free(cg->path);
	free(cg->container);
	memset(cg, 0, sizeof(*cg));
	return -ENOMEM;
}

/* The field of a mountinfo line that starts at p, up to a blank. */
static const char *
field_skip(const char *p, const char *end)
{
	while (p < end && *p != ' ')
		p++;
	return p < end ? p + 1 : end;
}

/* The length of the field at p, up to a blank or the end of the line. */
static size_t
field_length(const char *p, const char *end)
{
	const char *s = p;

	while (s < end && *s != ' ' && *s != '\n')
		s++;
	return (size_t)(s - p);
}

/*
 * A line of /proc/PID/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNT-POINT
 * OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS".  The fields point
 * into the line, and the mount point stays escaped as the kernel wrote
 * it.  Returns 0, or -EINVAL when it is not such a line.
 */
int
procfs_mountinfo_line_parse(const char *line, size_t len,
    struct mountinfo_entry *out)
{
	const char *p = line, *end = line + len, *sep;
	uint64_t id;

	memset(out, 0, sizeof(out[0]));
	if (!procfs_number_parse(p, field_length(p, end), 10, &id))
		return -EINVAL;
	out->id = id;
	for (int i = 0; i < 4; i++)
		p = field_skip(p, end);
	out->mount_point = p;
	out->mount_point_len = field_length(p, end);
	p = field_skip(p, end);
	/* Fields escape their blanks as \040: " - " is the separator. */
	for (sep = p; sep + 3 <= end && memcmp(sep, " - ", 3) != 0; sep++)
		;
	if (p == end || sep + 3 > end)
		return -EINVAL;
	p = sep + 3;
	out->fstype = p;
	out->fstype_len = field_length(p, end);
	p = field_skip(field_skip(p, end), end);
	out->super_options = p;
	out->super_options_len = field_length(p, end);
	return out->fstype_len > 0 ? 0 : -EINVAL;
}

/* One option of a comma-separated list: hidepid= and gid= of proc. */
static void
hidepid_option(const char *opt, size_t len, struct proc_hidepid *out)
{
	static const struct {
		const char	*word;
		int		 mode;
	} modes[] = { { "off", 0 }, { "0", 0 }, { "noaccess", 1 }, { "1", 1 },
	    { "invisible", 2 }, { "2", 2 }, { "ptraceable", 4 }, { "4", 4 } };
	uint64_t n;

	if (len > 8 && memcmp(opt, "hidepid=", 8) == 0) {
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
			if (len - 8 == strlen(modes[i].word) &&
			    memcmp(opt + 8, modes[i].word, len - 8) == 0)
				out->mode = modes[i].mode;
		}
	} else if (len > 4 && memcmp(opt, "gid=", 4) == 0 &&
	    procfs_number_parse(opt + 4, len - 4, 10, &n) && n <= LONG_MAX) {
		out->gid = (long)n;
		out->have_gid = true;
	}
}

/* The hidepid and gid options among the super options of a proc mount. */
void
procfs_hidepid_parse(const char *options, size_t len, struct proc_hidepid *out)
{
	const char *p = options, *end = options + len, *opt;

	memset(out, 0, sizeof(out[0]));
	while (p < end) {
		opt = p;
		while (p < end && *p != ',')
			p++;
		hidepid_option(opt, (size_t)(p - opt), out);
		if (p < end)
			p++;
	}
}

/*
 * Whether a file system of this type may make stat(2) wait on a party
 * that need not answer: a server over the network, or a FUSE daemon.
 */
bool
procfs_fstype_may_wait(const char *type, size_t len)
{
	static const char *const waiting[] = {
		"fuse", "fuseblk", "nfs", "nfs4", "cifs", "smb3", "smbfs",
		"9p", "ceph", "afs", "coda", "glusterfs", "lustre",
		"orangefs", "virtiofs", "ncpfs", "vboxsf", "davfs",
	};

	if (len > 5 && memcmp(type, "fuse.", 5) == 0)
		return true;
	for (size_t i = 0; i < sizeof(waiting) / sizeof(waiting[0]); i++) {
		if (len == strlen(waiting[i]) && memcmp(type, waiting[i],
		    len) == 0)
			return true;
	}
	return false;
}

/* Flags of /proc/PID/stat: a kernel thread, a task on its way out. */
#define STAT_FLAG_KTHREAD 0x00200000u
#define STAT_FLAG_EXITING 0x00000004u

/*
 * /proc/PID/stat in one read: the command (field 2, between the first
 * "(" and the last ")", since the name itself may hold parentheses), the
 * state (field 3), the flags (field 9) and the start time (field 22).
 * A process counts as exiting once it is a zombie or dead, and also from
 * the moment the kernel marks it PF_EXITING: it empties the descriptor
 * table (exit_files) before the task becomes a zombie.
 */
int
procfs_stat_parse(const char *buf, size_t size, struct proc_stat *ps)
{
	const char *open, *close = NULL, *end = buf + size, *p, *field;
	uint64_t flags = 0;
	bool have_flags = false;
	int index = 2;

	if ((open = memchr(buf, '(', size)) == NULL)
		return -EINVAL;
	for (const char *q = open; q < end; q++) {
		if (*q == ')')
			close = q;
	}
	if (close == NULL)
		return -EINVAL;
	for (p = close + 1; p < end;) {
		while (p < end && *p == ' ')
			p++;
		field = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (p == field)
			break;
		index++;
		if (index == 3)
			ps->state = *field;
		if (index == 9)
			have_flags = procfs_number_parse(field,
			    (size_t)(p - field), 10, &flags) != 0;
		if (index == 22) {
			if (!have_flags || !procfs_number_parse(field,
			    (size_t)(p - field), 10, &ps->start_time))
				return -EINVAL;
			if ((ps->command = strndup(open + 1, (size_t)(close -
			    open - 1))) == NULL)
				return -ENOMEM;
			ps->kernel_thread = (flags & STAT_FLAG_KTHREAD) != 0;
			ps->exiting = ps->state == 'Z' || ps->state == 'X' ||
			    (flags & STAT_FLAG_EXITING) != 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* A file that holds one unsigned number and a newline (fs.nr_open). */
int
procfs_single_number_parse(const char *buf, size_t size, uint64_t *value)
{
	if (size > 0 && buf[size - 1] == '\n')
		size--;
	return procfs_number_parse(buf, size, 10, value) == size && size > 0 ?
	    0 : -EINVAL;
}

/* /proc/sys/fs/file-nr: allocated, free (always 0 since 2.6), maximum. */
int
procfs_file_nr_parse(const char *buf, size_t size, struct system_info *sys)
{
	const char *p = buf, *end = buf + size, *field;
	uint64_t v[3];

	for (int i = 0; i < 3; i++) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		field = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (!procfs_number_parse(field, (size_t)(p - field), 10, &v[i]))
			return -EINVAL;
	}
	sys->files_allocated = v[0];
	sys->files_max = v[2];
	return 0;
}

/*
 * The kernel's socket protocol name (the system.sockprotoname attribute:
 * "TCP", "TCPv6", "UDP-Lite", "NETLINK") as fdaudit's proto word: lower
 * case, "v6" becomes "6", dashes dropped.
 */
const char *
procfs_sockproto_name(const char *kernel, char *buf, size_t size)
{
	size_t n = 0, len = strlen(kernel);

	if (size == 0)
		return NULL;
	/* "UNIX-STREAM" and its kin are all UNIX sockets. */
	if (strncmp(kernel, "UNIX", 4) == 0 && (kernel[4] == '\0' ||
	    kernel[4] == '-')) {
		strlcpy(buf, "unix", size);
		return buf;
	}
	if (len >= 2 && strcmp(kernel + len - 2, "v6") == 0)
		len -= 2;
	else
		len = strlen(kernel);
	for (size_t i = 0; i < len && n + 1 < size; i++) {
		unsigned char ch = (unsigned char)kernel[i];

		if (ch == '-')
			continue;
		if (!isalnum(ch) && ch != '_')
			ch = '_';
		buf[n++] = (char)tolower(ch);
	}
	if (len != strlen(kernel) && n + 1 < size)
		buf[n++] = '6';
	buf[n] = '\0';
	return n > 0 ? buf : NULL;
}

/*
 * Per-type details from the extra lines of /proc/PID/fdinfo/N.  Each
 * parser adds what it finds and ignores what it does not know: the lines
 * differ between kernel versions.
 */
struct details {
	struct fd_detail	*list;
	size_t			 n;
	int			 error;
};

static struct fd_detail *
detail_add(struct details *d, const char *key, enum detail_kind kind)
{
	struct fd_detail *grown;

	if (d->error != 0)
		return NULL;
	grown = reallocarray(d->list, d->n + 1, sizeof(*grown));
	if (grown == NULL) {
		d->error = -ENOMEM;
		return NULL;
	}
	d->list = grown;
	memset(&grown[d->n], 0, sizeof(grown[0]));
	grown[d->n].key = key;
	grown[d->n].kind = kind;
	return &grown[d->n++];
}

static void
detail_number(struct details *d, const char *key, int64_t value)
{
	struct fd_detail *e = detail_add(d, key, DETAIL_NUMBER);

	if (e != NULL)
		e->number = value;
}

static void
detail_real(struct details *d, const char *key, double value)
{
	struct fd_detail *e = detail_add(d, key, DETAIL_REAL);

	if (e != NULL)
		e->real = value;
}

static void
detail_text(struct details *d, const char *key, const char *value,
    size_t len)
{
	struct fd_detail *e = detail_add(d, key, DETAIL_TEXT);

	if (e != NULL && (e->text = strndup(value, len)) == NULL)
		d->error = -ENOMEM;
}

/* A number in base 10 or 16 at the start of [s, s + len). */
static bool
leading_number(const char *s, size_t len, unsigned base, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;

	size_t start;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (start = i; i < len; i++) {
		unsigned dig;

		if (s[i] >= '0' && s[i] <= '9')
			dig = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			dig = (unsigned)(s[i] - 'a' + 10);
		else
			break;
		if (v > (UINT64_MAX - dig) / base)
			return false;
		v = v * base + dig;
	}
	if (i == start)
		return false;
	*out = v;
	return true;
}

/* A signed decimal, as in "Pid:\t-1". */
static bool
signed_number(const char *s, size_t len, int64_t *out)
{
	bool negative;
	uint64_t v;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	negative = len > 0 && *s == '-';
	if (negative) {
		s++;
		len--;
	}
	if (!leading_number(s, len, 10, &v) || v > INT64_MAX)
		return false;
	*out = negative ? -(int64_t)v : (int64_t)v;
	return true;
}

static void
details_eventfd(struct details *d, const char *line, size_t len)
{
	const char *v;
	size_t vlen;
	uint64_t n;

	if ((v = line_value(line, len, "eventfd-count:", &vlen)) != NULL &&
	    leading_number(v, vlen, 16, &n) && n <= INT64_MAX)
		detail_number(d, "counter", (int64_t)n);
	else if ((v = line_value(line, len, "eventfd-semaphore:", &vlen)) !=
	    NULL && leading_number(v, vlen, 10, &n)) {
		struct fd_detail *e = detail_add(d, "semaphore", DETAIL_BOOL);

		if (e != NULL)
			e->boolean = n != 0;
	}
}

/* The first `word' in [s, s + len), or NULL. */
static const char *
text_find(const char *s, size_t len, const char *word)
{
	size_t wlen = strlen(word);

	for (size_t i = 0; i + wlen <= len; i++) {
		if (memcmp(s + i, word, wlen) == 0)
			return s + i;
	}
	return NULL;
}

/* "tfd:        5 events:       19 data: ...": the watched descriptor. */
static void
details_epoll(struct details *d, const char *line, size_t len)
{
	struct fd_detail *e = NULL;
	const char *v;
	size_t vlen;
	uint64_t n, ino, *inodes;
	int64_t *grown;

	if ((v = line_value(line, len, "tfd:", &vlen)) == NULL ||
	    !leading_number(v, vlen, 10, &n) || n > INT32_MAX)
		return;
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->list[i].key, "watched") == 0)
			e = &d->list[i];
	}
	if (e == NULL && (e = detail_add(d, "watched", DETAIL_NUMBERS)) ==
	    NULL)
		return;
	grown = reallocarray(e->numbers, e->nnumbers + 1, sizeof(*grown));
	if (grown == NULL) {
		d->error = -ENOMEM;
		return;
	}
	e->numbers = grown;
	inodes = reallocarray(e->inodes, e->nnumbers + 1, sizeof(*inodes));
	if (inodes == NULL) {
		d->error = -ENOMEM;
		return;
	}
	e->inodes = inodes;
	/* " ino:40e" names the watched file, in hexadecimal; 0 if absent. */
	ino = 0;
	if ((v = text_find(line, len, " ino:")) != NULL)
		(void)leading_number(v + 5, len - (size_t)(v + 5 - line), 16,
		    &ino);
	e->inodes[e->nnumbers] = ino;
	e->numbers[e->nnumbers++] = (int64_t)n;
}

struct watch_pair {
	int64_t		 number;
	uint64_t	 ino;
};

static int
watch_pair_compare(const void *a, const void *b)
{
	const struct watch_pair *x = a, *y = b;

	return (x->number > y->number) - (x->number < y->number);
}

/*
 * The kernel lists an epoll's watches in the order of its tree, by file
 * and then number: put them in the order of their numbers, for people.
 */
static int
details_epoll_sort(struct details *d)
{
	struct fd_detail *e = NULL;
	struct watch_pair *pairs;

	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->list[i].key, "watched") == 0)
			e = &d->list[i];
	}
	if (e == NULL || e->nnumbers < 2)
		return 0;
	if ((pairs = calloc(e->nnumbers, sizeof(*pairs))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < e->nnumbers; i++) {
		pairs[i].number = e->numbers[i];
		pairs[i].ino = e->inodes[i];
	}
	qsort(pairs, e->nnumbers, sizeof(*pairs), watch_pair_compare);
	for (size_t i = 0; i < e->nnumbers; i++) {
		e->numbers[i] = pairs[i].number;
		e->inodes[i] = pairs[i].ino;
	}
	free(pairs);
	return 0;
}

static void
details_inotify(struct details *d, const char *line, size_t len)
{
	struct fd_detail *e = NULL;

	if (len < 11 || memcmp(line, "inotify wd:", 11) != 0)
		return;
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->list[i].key, "watches") == 0)
			e = &d->list[i];
	}
	if (e == NULL)
		e = detail_add(d, "watches", DETAIL_NUMBER);
	if (e != NULL)
		e->number++;
}

/* "(sec, nsec)" as seconds. */
static bool
timespec_text(const char *s, size_t len, double *seconds)
{
	const char *end = s + len, *comma;
	uint64_t sec, nsec;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end || *s++ != '(' ||
	    (comma = memchr(s, ',', (size_t)(end - s))) == NULL ||
	    !leading_number(s, (size_t)(comma - s), 10, &sec) ||
	    !leading_number(comma + 1, (size_t)(end - comma - 1), 10, &nsec))
		return false;
	*seconds = (double)sec + (double)nsec / 1e9;
	return true;
}

static void
details_timerfd(struct details *d, const char *line, size_t len)
{
	static const char *const clocks[] = { "realtime", "monotonic",
	    "process_cputime", "thread_cputime", "monotonic_raw",
	    "realtime_coarse", "monotonic_coarse", "boottime",
	    "realtime_alarm", "boottime_alarm" };
	const char *v;
	size_t vlen;
	uint64_t n;
	double s;

	if ((v = line_value(line, len, "clockid:", &vlen)) != NULL &&
	    leading_number(v, vlen, 10, &n)) {
		if (n < sizeof(clocks) / sizeof(clocks[0]))
			detail_text(d, "clock", clocks[n], strlen(clocks[n]));
		else
			detail_number(d, "clock", (int64_t)(n & INT32_MAX));
	} else if ((v = line_value(line, len, "ticks:", &vlen)) != NULL &&
	    leading_number(v, vlen, 10, &n) && n <= INT64_MAX)
		detail_number(d, "ticks", (int64_t)n);
	else if ((v = line_value(line, len, "it_value:", &vlen)) != NULL &&
	    timespec_text(v, vlen, &s))
		detail_real(d, "next_expiry_s", s);
	else if ((v = line_value(line, len, "it_interval:", &vlen)) != NULL &&
	    timespec_text(v, vlen, &s))
		detail_real(d, "interval_s", s);
}

/* The mask as signal names, "USR1,TERM", from the Linux numbering. */
static void
details_signalfd(struct details *d, const char *line, size_t len)
{
	static const char *const names[] = { NULL, "HUP", "INT", "QUIT",
	    "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
	    "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP",
	    "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
	    "WINCH", "IO", "PWR", "SYS" };
	char text[512];
	const char *v;
	size_t vlen, o = 0;
	uint64_t mask;

	if ((v = line_value(line, len, "sigmask:", &vlen)) == NULL ||
	    !leading_number(v, vlen, 16, &mask))
		return;
	text[0] = '\0';
	for (unsigned sig = 1; sig <= 64; sig++) {
		char name[16];

		if (!(mask & (1ULL << (sig - 1))))
			continue;
		if (sig < sizeof(names) / sizeof(names[0]))
			snprintf(name, sizeof(name), "%s", names[sig]);
		else
			snprintf(name, sizeof(name), "RT%u", sig - 32);
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s",
		    o > 0 ? "," : "", name);
		if (o >= sizeof(text))
			o = sizeof(text) - 1;
	}
	detail_text(d, "signals", text, o);
}

/* "Pid:\t1234", or -1 once the process has been reaped. */
static void
details_pidfd(struct details *d, const char *line, size_t len)
{
	struct fd_detail *e;
	const char *v;
	size_t vlen;
	int64_t pid;

	if ((v = line_value(line, len, "Pid:", &vlen)) == NULL ||
	    !signed_number(v, vlen, &pid))
		return;
	detail_number(d, "pid", pid);
	if ((e = detail_add(d, "alive", DETAIL_BOOL)) != NULL)
		e->boolean = pid > 0;
}

int
procfs_fdinfo_details_parse(enum fd_type type, const char *buf, size_t size,
    struct fd_detail **list, size_t *n)
{
	struct procfs_cursor c = { buf, buf + size };
	struct details d = { NULL, 0, 0 };
	void (*parse)(struct details *, const char *, size_t);
	const char *line;
	size_t len;

	switch (type) {
	case FD_TYPE_EVENTFD:
		parse = details_eventfd;
		break;
	case FD_TYPE_EPOLL:
		parse = details_epoll;
		break;
	case FD_TYPE_INOTIFY:
		parse = details_inotify;
		break;
	case FD_TYPE_TIMERFD:
		parse = details_timerfd;
		break;
	case FD_TYPE_SIGNALFD:
		parse = details_signalfd;
		break;
	case FD_TYPE_PIDFD:
		parse = details_pidfd;
		break;
	default:
		*list = NULL;
		*n = 0;
		return 0;
	}
	while (procfs_line_next(&c, &line, &len) && d.error == 0)
		parse(&d, line, len);
	if (d.error == 0 && type == FD_TYPE_EPOLL)
		d.error = details_epoll_sort(&d);
	if (d.error != 0) {
		fd_details_free(d.list, d.n);
		return d.error;
	}
	*list = d.list;
	*n = d.n;
	return 0;
}

void
fd_details_free(struct fd_detail *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].text);
		free(list[i].numbers);
		free(list[i].inodes);
	}
	free(list);
}
