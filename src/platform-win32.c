/*
 * The Windows backend.  A process's "descriptors" are its handles: the
 * system handle table (NtQuerySystemInformation, class 64) lists them
 * with their attributes, and each one is duplicated into fdaudit to ask
 * the object manager its type and name.  Everything else is Win32.
 *
 * Handle values stand in for descriptor numbers; a handle without
 * OBJ_INHERIT is the twin of a descriptor with close-on-exec.
 */
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <winternl.h>
#include <sddl.h>
#include <tlhelp32.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

/* The documented ceiling of handles in one process (2^24). */
#define HANDLE_LIMIT		16777216u

/* How long a name query may take before it is given up. */
#define QUERY_TIMEOUT_MS	250

/* Workers left stuck in a query before fdaudit stops asking names. */
#define WORKERS_MAX_ABANDONED	4

#define STATUS_INFO_LENGTH_MISMATCH_ ((NTSTATUS)0xC0000004L)
#define STATUS_BUFFER_TOO_SMALL_ ((NTSTATUS)0xC0000023L)
#define STATUS_INVALID_CID_	((NTSTATUS)0xC000000BL)
#define STATUS_PROCESS_IS_TERMINATING_ ((NTSTATUS)0xC000010AL)

#define SYSTEM_EXTENDED_HANDLE_INFORMATION 64
#define OBJECT_NAME_INFORMATION_CLASS	1
#define OBJECT_TYPE_INFORMATION_CLASS	2
#define OBJ_INHERIT_			0x00000002UL
#define DUPLICATE_SAME_ACCESS_		0x00000002UL

/* The layouts ntdll fills; winternl.h leaves them out. */
struct nt_unicode {
	USHORT		 Length;
	USHORT		 MaximumLength;
	PWSTR		 Buffer;
};

struct nt_handle_entry {
	PVOID		 Object;
	ULONG_PTR	 UniqueProcessId;
	ULONG_PTR	 HandleValue;
	ULONG		 GrantedAccess;
	USHORT		 CreatorBackTraceIndex;
	USHORT		 ObjectTypeIndex;
	ULONG		 HandleAttributes;
	ULONG		 Reserved;
};

struct nt_handle_info {
	ULONG_PTR	 NumberOfHandles;
	ULONG_PTR	 Reserved;
	struct nt_handle_entry Handles[1];
};

typedef NTSTATUS (NTAPI *query_system_fn)(ULONG, PVOID, ULONG, PULONG);
typedef NTSTATUS (NTAPI *query_object_fn)(HANDLE, ULONG, PVOID, ULONG,
    PULONG);
typedef NTSTATUS (NTAPI *duplicate_object_fn)(HANDLE, HANDLE, HANDLE,
    PHANDLE, ACCESS_MASK, ULONG, ULONG);
typedef ULONG (NTAPI *status_to_error_fn)(NTSTATUS);

static struct {
	query_system_fn		 query_system;
	query_object_fn		 query_object;
	duplicate_object_fn	 duplicate_object;
	status_to_error_fn	 status_to_error;
} nt;

/* Every handle of the system, as one snapshot. */
struct handle_table {
	struct nt_handle_info	*info;
	size_t			 n;
};

/* Processes from a Toolhelp snapshot: PID and image name. */
struct process_name {
	DWORD		 pid;
	char		*name;
};
static struct process_name *process_names;
static size_t nprocess_names;

/*
 * Type names by type index.  The numbering differs between Windows
 * versions and Wine, so it is learnt from the first handle of each index.
 */
#define TYPE_INDEX_MAX	256
static char *type_names[TYPE_INDEX_MAX];

/* User names by SID: most processes belong to a few users. */
struct user_cache_entry {
	PSID		 sid;
	char		*name;
	long		 rid;
};
static struct user_cache_entry user_cache[32];
static size_t user_cache_used;

/* What the worker learns of one File handle. */
struct file_query {
	HANDLE		 handle;
	bool		 slow;		/* test only: sleep past the timeout */
	NTSTATUS	 name_status;
	WCHAR		 name[1024];
	bool		 have_info;
	BY_HANDLE_FILE_INFORMATION info;
	WCHAR		 dos[1024];
	bool		 have_pos;
	LARGE_INTEGER	 pos;
	bool		 socket;
	bool		 have_protocol;
	WSAPROTOCOL_INFOW protocol;
	bool		 have_local;
	bool		 have_remote;
	struct sockaddr_storage local;
	struct sockaddr_storage remote;
	BOOL		 listening;
};

/*
 * A name query on a synchronous pipe waits for the pending read to end,
 * which may be never: File handles are asked in a worker thread that is
 * waited for a bounded time and abandoned, with its query, when stuck.
 */
struct file_worker {
	HANDLE		 thread;
	HANDLE		 request;
	HANDLE		 done;
	struct file_query query;
};
static struct file_worker *worker;
static unsigned workers_abandoned;

/*
 * Handles the reader keeps from one read to the next: every worker's
 * thread and events, and the handle a stuck worker was left with.  In
 * our own table they are the reader's, not the process's, and are left
 * out; no more than WORKERS_MAX_ABANDONED + 1 workers are ever started.
 */
#define READER_HANDLES_MAX	(4 * (WORKERS_MAX_ABANDONED + 1))
static HANDLE reader_handles[READER_HANDLES_MAX];
static size_t nreader_handles;

static void
reader_handle_keep(HANDLE h)
{
	if (nreader_handles < READER_HANDLES_MAX)
		reader_handles[nreader_handles++] = h;
}

static void
reader_handle_forget(HANDLE h)
{
	for (size_t i = 0; i < nreader_handles; i++) {
		if (reader_handles[i] == h) {
			reader_handles[i] = reader_handles[--nreader_handles];
			return;
		}
	}
}

static bool
reader_handle_is(ULONG_PTR value)
{
	for (size_t i = 0; i < nreader_handles; i++) {
		if ((ULONG_PTR)reader_handles[i] == value)
			return true;
	}
	return false;
}

/* The handle whose name query the test makes slow; 0 for none. */
static ULONG_PTR slow_handle;

/* Drive letters and the NT devices they name ("C:" and its volume). */
struct drive_map {
	WCHAR		 letter[3];
	WCHAR		 device[MAX_PATH];
	size_t		 len;
};
static struct drive_map drives[26];
static size_t ndrives;

static LARGE_INTEGER counter_frequency;
static bool winsock_started;

struct platform_file {
	FILE		*stream;
	WCHAR		*path;
	WCHAR		*temp;
};

/*
 * One translation of Win32 error codes into errno values, so that
 * reports read as they do on Linux.
 */
static int
errno_from_win32(DWORD code)
{
	switch (code) {
	case ERROR_SUCCESS:
		return 0;
	case ERROR_ACCESS_DENIED:
	case ERROR_NETWORK_ACCESS_DENIED:
		return -EACCES;
	case ERROR_PRIVILEGE_NOT_HELD:
		return -EPERM;
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_INVALID_NAME:
		return -ENOENT;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
	case ERROR_NO_SYSTEM_RESOURCES:
		return -ENOMEM;
	case ERROR_INVALID_HANDLE:
		return -EBADF;
	case ERROR_INVALID_PARAMETER:
		return -EINVAL;
	case ERROR_NOT_SUPPORTED:
	case ERROR_CALL_NOT_IMPLEMENTED:
	case ERROR_INVALID_FUNCTION:
		return -ENOSYS;
	case ERROR_TIMEOUT:
	case WAIT_TIMEOUT:
	case ERROR_SEM_TIMEOUT:
		return -ETIMEDOUT;
	case ERROR_FILE_EXISTS:
	case ERROR_ALREADY_EXISTS:
		return -EEXIST;
	case ERROR_DISK_FULL:
	case ERROR_HANDLE_DISK_FULL:
		return -ENOSPC;
	case ERROR_SHARING_VIOLATION:
	case ERROR_LOCK_VIOLATION:
	case ERROR_BUSY:
		return -EBUSY;
	case ERROR_WRITE_PROTECT:
		return -EROFS;
	default:
		return -EIO;
	}
}

static int
errno_from_status(NTSTATUS status)
{
	/* ntdll turns these into ERROR_INVALID_PARAMETER, which says less. */
	if (status == STATUS_INVALID_CID_ ||
	    status == STATUS_PROCESS_IS_TERMINATING_)
		return -ESRCH;
	if (nt.status_to_error == NULL)
		return -EIO;
	return errno_from_win32(nt.status_to_error(status));
}

static int
errno_last(void)
{
	return errno_from_win32(GetLastError());
}

const char *
platform_strerror(int error)
{
	switch (-error) {
	case ESRCH:
		return "no such process";
	case EACCES:
	case EPERM:
		return "permission denied";
	case ETIMEDOUT:
		return "timed out";
	case PLATFORM_ENOTREG:
		return "not a regular file";
	case ENOSYS:
		return "not supported on Windows";
	case EBADF:
		return "bad handle";
	case ENOMEM:
		return "out of memory";
	default:
		return strerror(-error);
	}
}

/* A malloc'ed UTF-8 copy of `len' UTF-16 units, or of a string if < 0. */
static char *
utf8_from_wide(const WCHAR *text, int len)
{
	char *out;
	int n;

	if (len == 0)
		return strdup("");
	if ((n = WideCharToMultiByte(CP_UTF8, 0, text, len, NULL, 0, NULL,
	    NULL)) <= 0)
		return NULL;
	if ((out = malloc((size_t)n + 1)) == NULL)
		return NULL;
	WideCharToMultiByte(CP_UTF8, 0, text, len, out, n, NULL, NULL);
	out[n] = '\0';
	return out;
}

/* A malloc'ed wide copy of a path from the command line (ANSI). */
static WCHAR *
wide_from_ansi(const char *text, size_t extra)
{
	WCHAR *out;
	int n;

	if ((n = MultiByteToWideChar(CP_ACP, 0, text, -1, NULL, 0)) <= 0)
		return NULL;
	if ((out = calloc((size_t)n + extra, sizeof(*out))) == NULL)
		return NULL;
	MultiByteToWideChar(CP_ACP, 0, text, -1, out, n);
	return out;
}

static void
drives_load(void)
{
	WCHAR letter[3] = L"A:";

	ndrives = 0;
	for (WCHAR c = L'A'; c <= L'Z'; c++) {
		struct drive_map *d = &drives[ndrives];

		letter[0] = c;
		if (QueryDosDeviceW(letter, d->device, MAX_PATH) == 0)
			continue;
		wcscpy(d->letter, letter);
		d->len = wcslen(d->device);
		ndrives++;
	}
}

int
platform_init(void)
{
	HMODULE ntdll;
	WSADATA wsa;
	const char *slow;

	if ((ntdll = GetModuleHandleW(L"ntdll.dll")) == NULL)
		return -ENOSYS;
	nt.query_system = (query_system_fn)(void (*)(void))GetProcAddress(
	    ntdll, "NtQuerySystemInformation");
	nt.query_object = (query_object_fn)(void (*)(void))GetProcAddress(
	    ntdll, "NtQueryObject");
	nt.duplicate_object = (duplicate_object_fn)(void (*)(void))
	    GetProcAddress(ntdll, "NtDuplicateObject");
	nt.status_to_error = (status_to_error_fn)(void (*)(void))
	    GetProcAddress(ntdll, "RtlNtStatusToDosError");
	if (nt.query_system == NULL || nt.query_object == NULL ||
	    nt.duplicate_object == NULL)
		return -ENOSYS;
	QueryPerformanceFrequency(&counter_frequency);
	winsock_started = WSAStartup(MAKEWORD(2, 2), &wsa) == 0;
	if ((slow = getenv("FDAUDIT_TEST_SLOW_QUERY")) != NULL)
		slow_handle = (ULONG_PTR)strtoull(slow, NULL, 0);
	drives_load();
	return 0;
}

static void
process_names_free(void)
{
	for (size_t i = 0; i < nprocess_names; i++)
		free(process_names[i].name);
	free(process_names);
	process_names = NULL;
	nprocess_names = 0;
}

void
platform_fini(void)
{
	process_names_free();
	for (size_t i = 0; i < TYPE_INDEX_MAX; i++) {
		free(type_names[i]);
		type_names[i] = NULL;
	}
	for (size_t i = 0; i < user_cache_used; i++) {
		free(user_cache[i].sid);
		free(user_cache[i].name);
	}
	user_cache_used = 0;
	/* Stuck workers still use their blocks: only the idle one is freed. */
	if (worker != NULL) {
		worker->query.handle = NULL;
		SetEvent(worker->request);
		WaitForSingleObject(worker->thread, QUERY_TIMEOUT_MS);
		reader_handle_forget(worker->thread);
		reader_handle_forget(worker->request);
		reader_handle_forget(worker->done);
		CloseHandle(worker->thread);
		CloseHandle(worker->request);
		CloseHandle(worker->done);
		free(worker);
		worker = NULL;
	}
	if (winsock_started)
		WSACleanup();
	winsock_started = false;
}

/* Take a Toolhelp snapshot of the processes and their image names. */
static int
process_names_load(void)
{
	PROCESSENTRY32W pe = { .dwSize = sizeof(pe) };
	struct process_name *grown;
	size_t cap = 0;
	HANDLE snap;
	BOOL more;
	int error = 0;

	process_names_free();
	if ((snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0)) ==
	    INVALID_HANDLE_VALUE)
		return errno_last();
	for (more = Process32FirstW(snap, &pe); more;
	    more = Process32NextW(snap, &pe)) {
		if (nprocess_names == cap) {
			cap = cap != 0 ? cap * 2 : 256;
			grown = reallocarray(process_names, cap,
			    sizeof(*grown));
			if (grown == NULL) {
				error = -ENOMEM;
				break;
			}
			process_names = grown;
		}
		process_names[nprocess_names].pid = pe.th32ProcessID;
		if ((process_names[nprocess_names].name = utf8_from_wide(
		    pe.szExeFile, -1)) == NULL) {
			error = -ENOMEM;
			break;
		}
		nprocess_names++;
	}
	CloseHandle(snap);
	return error;
}

int
platform_process_list(int **pids, size_t *npids)
{
	int *list, error;

	*pids = NULL;
	*npids = 0;
	if ((error = process_names_load()) != 0)
		return error;
	if ((list = calloc(nprocess_names + 1, sizeof(*list))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < nprocess_names; i++)
		list[i] = (int)process_names[i].pid;
	*pids = list;
	*npids = nprocess_names;
	return 0;
}

/* The image name of a PID, from the snapshot, taken again when missing. */
static int
process_name_find(DWORD pid, const char **name)
{
	int error;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nprocess_names; i++) {
			if (process_names[i].pid == pid) {
				*name = process_names[i].name;
				return 0;
			}
		}
		if (pass == 0 && (error = process_names_load()) != 0)
			return error;
	}
	return -ESRCH;
}

/* The account name of a SID, or the SID as a string when it has none. */
static char *
sid_name(PSID sid)
{
	WCHAR name[256], domain[256], *text;
	DWORD nlen = 256, dlen = 256;
	SID_NAME_USE use;
	char *out;

	if (LookupAccountSidW(NULL, sid, name, &nlen, domain, &dlen, &use))
		return utf8_from_wide(name, -1);
	if (!ConvertSidToStringSidW(sid, &text))
		return NULL;
	out = utf8_from_wide(text, -1);
	LocalFree(text);
	return out;
}

static const struct user_cache_entry *
user_lookup(PSID sid)
{
	struct user_cache_entry *e;
	DWORD len = GetLengthSid(sid);
	UCHAR count;

	for (size_t i = 0; i < user_cache_used; i++) {
		if (EqualSid(user_cache[i].sid, sid))
			return &user_cache[i];
	}
	if (user_cache_used == sizeof(user_cache) / sizeof(user_cache[0])) {
		free(user_cache[0].sid);
		free(user_cache[0].name);
		memmove(user_cache, user_cache + 1,
		    sizeof(user_cache) - sizeof(user_cache[0]));
		user_cache_used--;
	}
	e = &user_cache[user_cache_used];
	if ((e->sid = malloc(len)) == NULL)
		return NULL;
	CopySid(len, e->sid, sid);
	if ((e->name = sid_name(sid)) == NULL) {
		free(e->sid);
		return NULL;
	}
	/* The relative ID is the nearest thing to a uid: 500, 1000, 18. */
	count = *GetSidSubAuthorityCount(sid);
	e->rid = count > 0 ? (long)*GetSidSubAuthority(sid, count - 1U) : -1;
	user_cache_used++;
	return e;
}

/* The user of a process from its token; -EACCES for protected ones. */
static int
process_user_read(HANDLE process, struct process *proc)
{
	union {
		TOKEN_USER	 user;
		BYTE		 buf[sizeof(TOKEN_USER) +
				     SECURITY_MAX_SID_SIZE];
	} tu;
	const struct user_cache_entry *e;
	HANDLE token;
	DWORD len;
	BOOL ok;

	if (!OpenProcessToken(process, TOKEN_QUERY, &token))
		return errno_last();
	ok = GetTokenInformation(token, TokenUser, &tu, sizeof(tu), &len);
	CloseHandle(token);
	if (!ok)
		return errno_last();
	if ((e = user_lookup(tu.user.User.Sid)) == NULL)
		return -ENOMEM;
	if ((proc->user = strdup(e->name)) == NULL)
		return -ENOMEM;
	proc->uid = e->rid;
	return 0;
}

/*
 * Identity: the image name comes from the snapshot, which sees every
 * process; the user and start time need the process itself, and a
 * protected one keeps them to itself (its user stays unknown).
 */
static int
identity_read(struct process *proc)
{
	FILETIME created, exited, kernel, user;
	const char *name;
	HANDLE process;
	int error;

	if ((error = process_name_find((DWORD)proc->pid, &name)) != 0)
		return error;
	if ((proc->command = strdup(name)) == NULL)
		return -ENOMEM;
	proc->uid = -1;
	/* The idle process and the System process have no handles of use. */
	proc->kernel_thread = proc->pid == 0 || proc->pid == 4;
	if ((process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
	    (DWORD)proc->pid)) == NULL)
		return 0;
	if (GetProcessTimes(process, &created, &exited, &kernel, &user))
		proc->start_time = (uint64_t)created.dwHighDateTime << 32 |
		    created.dwLowDateTime;
	error = process_user_read(process, proc);
	CloseHandle(process);
	return error == -ENOMEM ? error : 0;
}

/* There is no RLIMIT_NOFILE: the only ceiling is the documented one. */
static void
limits_read(struct process *proc)
{
	proc->limits.soft = HANDLE_LIMIT;
	proc->limits.hard = HANDLE_LIMIT;
	proc->limits.soft_unlimited = false;
	proc->limits.hard_unlimited = false;
}

static void
handle_table_free(struct handle_table *t)
{
	free(t->info);
	t->info = NULL;
	t->n = 0;
}

/*
 * Every handle of the system.  The table grows between the call that
 * sizes it and the one that fills it, so the buffer grows until it fits.
 */
static int
handle_table_take(struct handle_table *t)
{
	ULONG size = 1 << 20, needed = 0;
	NTSTATUS status;
	void *buf = NULL, *grown;

	for (;;) {
		if ((grown = realloc(buf, size)) == NULL) {
			free(buf);
			return -ENOMEM;
		}
		buf = grown;
		status = nt.query_system(SYSTEM_EXTENDED_HANDLE_INFORMATION,
		    buf, size, &needed);
		if (status != STATUS_INFO_LENGTH_MISMATCH_ &&
		    status != STATUS_BUFFER_TOO_SMALL_)
			break;
		if (size > (1U << 30)) {
			free(buf);
			return -ENOMEM;
		}
		size = needed > size ? needed + (1 << 16) : size * 2;
	}
	if (status < 0) {
		free(buf);
		return errno_from_status(status);
	}
	t->info = buf;
	t->n = (size_t)t->info->NumberOfHandles;
	return 0;
}

static size_t
handle_table_count(const struct handle_table *t, int pid)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->info->Handles[i].UniqueProcessId == (ULONG_PTR)pid)
			n++;
	}
	return n;
}

/* One NtQueryObject whose answer starts with a UNICODE_STRING. */
static NTSTATUS
object_query_string(HANDLE h, ULONG what, void *buf, ULONG size,
    struct nt_unicode **text)
{
	NTSTATUS status;
	ULONG len = 0;

	status = nt.query_object(h, what, buf, size, &len);
	*text = buf;
	return status;
}

/* The type name of a handle's object, learnt once per type index. */
static const char *
type_name(HANDLE dup, USHORT index)
{
	union {
		struct nt_unicode text;
		BYTE		 buf[1024];
	} u;
	struct nt_unicode *type;

	if (index < TYPE_INDEX_MAX && type_names[index] != NULL)
		return type_names[index];
	if (dup == NULL || object_query_string(dup,
	    OBJECT_TYPE_INFORMATION_CLASS, &u, sizeof(u), &type) < 0 ||
	    type->Buffer == NULL)
		return NULL;
	if (index >= TYPE_INDEX_MAX)
		return NULL;
	type_names[index] = utf8_from_wide(type->Buffer,
	    type->Length / (int)sizeof(WCHAR));
	return type_names[index];
}

static int
detail_add_text(struct fd_entry *fd, const char *key, const WCHAR *text)
{
	struct fd_detail *grown, *d;

	grown = reallocarray(fd->details, fd->ndetails + 1, sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	fd->details = grown;
	d = &grown[fd->ndetails];
	memset(d, 0, sizeof(*d));
	d->key = key;
	d->kind = DETAIL_TEXT;
	if ((d->text = utf8_from_wide(text, -1)) == NULL)
		return -ENOMEM;
	fd->ndetails++;
	return 0;
}

/* The address of a socket end as "1.2.3.4:80" or "[::1]:80". */
static char *
sockaddr_text(const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN + 16];
	unsigned port;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(out, sizeof(out), "%s:%u", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(out, sizeof(out), "[%s]:%u", host, port);
	} else
		return NULL;
	return strdup(out);
}

/* Without the protocol (under Wine) only the family is known. */
static const char *
socket_proto_name(const struct file_query *q)
{
	const WSAPROTOCOL_INFOW *pi = &q->protocol;
	bool six = pi->iAddressFamily == AF_INET6;

	if (!q->have_protocol)
		return !q->have_local ? "unknown" :
		    q->local.ss_family == AF_INET6 ? "ip6" :
		    q->local.ss_family == AF_INET ? "ip" : "unknown";
	switch (pi->iProtocol) {
	case IPPROTO_TCP:
		return six ? "tcp6" : "tcp";
	case IPPROTO_UDP:
		return six ? "udp6" : "udp";
	default:
		return pi->iAddressFamily == AF_UNIX ? "unix" :
		    six ? "raw6" : "raw";
	}
}

/*
 * In the worker: is the handle a socket, and what are its protocol and
 * ends?  A socket handle duplicated outside Winsock answers where no
 * layered provider stands in the way, the rule today; anything else
 * fails with WSAENOTSOCK.  getsockname comes first because Wine answers
 * it for a duplicate but not SO_PROTOCOL_INFO, which it keeps per process.
 */
static bool
socket_ask(struct file_query *q)
{
	SOCKET s = (SOCKET)q->handle;
	int len = sizeof(q->local);

	if (!winsock_started)
		return false;
	q->have_local = getsockname(s, (struct sockaddr *)&q->local,
	    &len) == 0;
	/* An unbound socket has no name, which is not WSAENOTSOCK. */
	q->socket = q->have_local || WSAGetLastError() == WSAEINVAL;
	len = sizeof(q->protocol);
	if (getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, (char *)&q->protocol,
	    &len) == 0)
		q->socket = q->have_protocol = true;
	if (!q->socket)
		return false;
	len = sizeof(q->remote);
	q->have_remote = getpeername(s, (struct sockaddr *)&q->remote,
	    &len) == 0;
	len = sizeof(q->listening);
	if (getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, (char *)&q->listening,
	    &len) != 0)
		q->listening = FALSE;
	return true;
}

/* A socket's row from what the worker learnt; sockets have no path. */
static int
socket_fill(struct fd_entry *fd, const struct file_query *q)
{
	fd->type = FD_TYPE_SOCKET;
	if (q->socket) {
		if ((fd->proto = strdup(socket_proto_name(q))) ==
		    NULL)
			return -ENOMEM;
		if (q->have_local)
			fd->local = sockaddr_text(&q->local);
		if (q->have_remote)
			fd->remote = sockaddr_text(&q->remote);
		fd->state = q->have_remote ? "ESTABLISHED" :
		    q->listening ? "LISTEN" : NULL;
		if (q->have_protocol)
			fd->socket_type = q->protocol.iSocketType ==
			    SOCK_STREAM ? "STREAM" : q->protocol.iSocketType ==
			    SOCK_DGRAM ? "DGRAM" : NULL;
	}
	if (q->name[0] != L'\0')
		return detail_add_text(fd, "nt_path", q->name);
	return 0;
}

/*
 * The worker's side of one File query: the object name first, then,
 * for what lives on a volume, its attributes, DOS path and position.
 */
static void
file_query_do(struct file_query *q)
{
	union {
		struct nt_unicode text;
		BYTE		 buf[sizeof(struct nt_unicode) +
				     sizeof(q->name)];
	} u;
	struct nt_unicode *name;
	LARGE_INTEGER zero = { 0 };
	size_t len;

	if (q->slow)
		Sleep(QUERY_TIMEOUT_MS * 8);
	q->name[0] = L'\0';
	q->name_status = object_query_string(q->handle,
	    OBJECT_NAME_INFORMATION_CLASS, &u, sizeof(u), &name);
	if (q->name_status >= 0 && name->Buffer != NULL) {
		len = name->Length / sizeof(WCHAR);
		if (len >= sizeof(q->name) / sizeof(q->name[0]))
			len = sizeof(q->name) / sizeof(q->name[0]) - 1;
		memcpy(q->name, name->Buffer, len * sizeof(WCHAR));
		q->name[len] = L'\0';
	}
	if (wcsncmp(q->name, L"\\Device\\NamedPipe", 17) == 0 ||
	    wcsncmp(q->name, L"\\Device\\ConDrv", 14) == 0)
		return;
	/* Wine's sockets have no name; Windows names them after AFD. */
	if ((q->name[0] == L'\0' ||
	    wcsncmp(q->name, L"\\Device\\Afd", 11) == 0) && socket_ask(q))
		return;
	q->have_info = GetFileInformationByHandle(q->handle, &q->info) != 0;
	if (GetFinalPathNameByHandleW(q->handle, q->dos,
	    sizeof(q->dos) / sizeof(q->dos[0]), VOLUME_NAME_DOS) == 0)
		q->dos[0] = L'\0';
	q->have_pos = q->have_info &&
	    !(q->info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
	    SetFilePointerEx(q->handle, zero, &q->pos, FILE_CURRENT);
}

static DWORD WINAPI
file_worker_run(void *arg)
{
	struct file_worker *w = arg;

	for (;;) {
		if (WaitForSingleObject(w->request, INFINITE) != WAIT_OBJECT_0)
			return 1;
		/* A request without a handle asks the worker to end. */
		if (w->query.handle == NULL)
			return 0;
		file_query_do(&w->query);
		SetEvent(w->done);
	}
}

static struct file_worker *
file_worker_start(void)
{
	struct file_worker *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->request = CreateEventW(NULL, FALSE, FALSE, NULL);
	w->done = CreateEventW(NULL, FALSE, FALSE, NULL);
	if (w->request != NULL && w->done != NULL &&
	    (w->thread = CreateThread(NULL, 64 * 1024, file_worker_run, w, 0,
	    NULL)) != NULL) {
		reader_handle_keep(w->thread);
		reader_handle_keep(w->request);
		reader_handle_keep(w->done);
		return w;
	}
	if (w->request != NULL)
		CloseHandle(w->request);
	if (w->done != NULL)
		CloseHandle(w->done);
	free(w);
	return NULL;
}

/*
 * Ask the worker about a File handle; -ETIMEDOUT when it does not answer
 * in time.  A stuck worker is left with its query and its handle, which
 * *kept then says the caller must not close (closed under it, the number
 * could come to name another object); a new worker takes over, and after
 * a few File handles are no longer asked at all.
 */
static int
file_query_run(HANDLE dup, bool slow, struct file_query **result,
    bool *kept)
{
	*kept = false;
	if (workers_abandoned >= WORKERS_MAX_ABANDONED)
		return -ETIMEDOUT;
	if (worker == NULL && (worker = file_worker_start()) == NULL)
		return -ENOMEM;
	memset(&worker->query, 0, sizeof(worker->query));
	worker->query.handle = dup;
	worker->query.slow = slow;
	SetEvent(worker->request);
	if (WaitForSingleObject(worker->done, QUERY_TIMEOUT_MS) !=
	    WAIT_OBJECT_0) {
		worker = NULL;
		workers_abandoned++;
		*kept = true;
		reader_handle_keep(dup);
		return -ETIMEDOUT;
	}
	*result = &worker->query;
	return 0;
}

/* A malloc'ed UTF-8 copy of a wide string, minus a prefix if present. */
static char *
utf8_after(const WCHAR *text, const WCHAR *prefix)
{
	size_t len = wcslen(prefix);

	if (wcsncmp(text, prefix, len) == 0)
		text += len;
	return utf8_from_wide(text, -1);
}

/* "\Device\HarddiskVolume3\x" as "C:\x", from the drive letter table. */
static char *
dos_path_from_nt(const WCHAR *nt_path)
{
	WCHAR buf[1024];

	for (size_t i = 0; i < ndrives; i++) {
		const struct drive_map *d = &drives[i];

		if (wcsncmp(nt_path, d->device, d->len) != 0 ||
		    (nt_path[d->len] != L'\\' && nt_path[d->len] != L'\0'))
			continue;
		if (wcslen(nt_path + d->len) + 3 > sizeof(buf) / sizeof(buf[0]))
			return NULL;
		wcscpy(buf, d->letter);
		wcscat(buf, nt_path + d->len);
		return utf8_from_wide(buf, -1);
	}
	return NULL;
}

/* The DOS form of a file's path, with the NT path kept as a detail. */
static int
file_path_fill(struct fd_entry *fd, const struct file_query *q)
{
	if (q->dos[0] != L'\0')
		fd->target = utf8_after(q->dos, L"\\\\?\\");
	else if (q->name[0] != L'\0' &&
	    (fd->target = dos_path_from_nt(q->name)) == NULL)
		fd->target = utf8_after(q->name, L"\\??\\");
	if (fd->target == NULL && (q->dos[0] != L'\0' || q->name[0] != L'\0'))
		return -ENOMEM;
	if (q->name[0] != L'\0')
		return detail_add_text(fd, "nt_path", q->name);
	return 0;
}

static enum fd_mode
file_mode(ULONG access)
{
	bool r = (access & FILE_READ_DATA) != 0;
	bool w = (access & (FILE_WRITE_DATA | FILE_APPEND_DATA)) != 0;

	return r && w ? FD_MODE_READ_WRITE : r ? FD_MODE_READ :
	    w ? FD_MODE_WRITE : FD_MODE_NONE;
}

/* Pipe names as a program opens them: "\\.\pipe\name". */
static int
pipe_fill(struct fd_entry *fd, const struct file_query *q)
{
	const WCHAR *rest = q->name + 17;
	WCHAR buf[1100];

	fd->type = FD_TYPE_FIFO;
	if (*rest == L'\\')
		rest++;
	if (*rest == L'\0')
		return detail_add_text(fd, "nt_path", q->name);
	if (wcslen(rest) + 10 > sizeof(buf) / sizeof(buf[0]))
		return -ENAMETOOLONG;
	wcscpy(buf, L"\\\\.\\pipe\\");
	wcscat(buf, rest);
	if ((fd->target = utf8_from_wide(buf, -1)) == NULL)
		return -ENOMEM;
	return detail_add_text(fd, "nt_path", q->name);
}

/*
 * A File object: a disk file or directory, a pipe, a socket (AFD) or the
 * console.  Everything that may block is asked in the worker.
 */
static int
file_describe(HANDLE dup, const struct nt_handle_entry *h,
    struct fd_entry *fd, bool *kept)
{
	struct file_query *q;
	int error;

	fd->mode = file_mode(h->GrantedAccess);
	if ((error = file_query_run(dup, h->HandleValue == slow_handle,
	    &q, kept)) != 0) {
		fd->type = FD_TYPE_FILE;
		return error;
	}
	if (wcsncmp(q->name, L"\\Device\\NamedPipe", 17) == 0)
		return pipe_fill(fd, q);
	if (q->socket || wcsncmp(q->name, L"\\Device\\Afd", 11) == 0)
		return socket_fill(fd, q);
	if (wcsncmp(q->name, L"\\Device\\ConDrv", 14) == 0 ||
	    wcscmp(q->name, L"\\Device\\Null") == 0) {
		fd->type = FD_TYPE_CHR;
		return (fd->target = utf8_from_wide(q->name, -1)) == NULL ?
		    -ENOMEM : 0;
	}
	fd->type = q->have_info && (q->info.dwFileAttributes &
	    FILE_ATTRIBUTE_DIRECTORY) ? FD_TYPE_DIR : FD_TYPE_FILE;
	if (q->have_info) {
		fd->ino = (uint64_t)q->info.nFileIndexHigh << 32 |
		    q->info.nFileIndexLow;
		fd->dev = q->info.dwVolumeSerialNumber;
		fd->have_ino = true;
	}
	if (q->have_pos)
		fd->pos = q->pos.QuadPart;
	return file_path_fill(fd, q);
}

/* What names a process or thread handle: the ID it refers to. */
static int
id_target(HANDLE dup, const char *type, struct fd_entry *fd)
{
	char buf[32];
	DWORD id;

	if (strcmp(type, "Process") == 0)
		id = GetProcessId(dup);
	else if (strcmp(type, "Thread") == 0)
		id = GetThreadId(dup);
	else
		return 0;
	if (id == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s %lu", type[0] == 'P' ? "pid" : "tid",
	    (unsigned long)id);
	return (fd->target = strdup(buf)) == NULL ? -ENOMEM : 0;
}

/*
 * Any other object: its type is the lowercased Windows type name, kept in
 * fd->type_word beside FD_TYPE_ANON_INODE (a kernel object that is not a
 * file), and its target is its name in the object namespace, if any.
 */
static int
object_describe(HANDLE dup, const char *type, struct fd_entry *fd)
{
	union {
		struct nt_unicode text;
		BYTE		 buf[2048];
	} u;
	struct nt_unicode *name;
	char *p;

	fd->type = FD_TYPE_ANON_INODE;
	if ((fd->type_word = strdup(type)) == NULL)
		return -ENOMEM;
	for (p = fd->type_word; *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	if (dup == NULL)
		return 0;
	if (object_query_string(dup, OBJECT_NAME_INFORMATION_CLASS, &u,
	    sizeof(u), &name) >= 0 && name->Buffer != NULL &&
	    name->Length > 0) {
		fd->target = utf8_from_wide(name->Buffer,
		    name->Length / (int)sizeof(WCHAR));
		return fd->target == NULL ? -ENOMEM : 0;
	}
	return id_target(dup, type, fd);
}

/*
 * Describe one handle of `process'.  Failures to duplicate it are the
 * handle's own (some objects refuse): the row keeps what the table says.
 */
static int
handle_describe(HANDLE process, const struct nt_handle_entry *h,
    struct fd_entry *fd)
{
	HANDLE dup = NULL;
	NTSTATUS status;
	const char *type;
	bool kept = false;
	int error;

	fd->fd = (int)h->HandleValue;
	fd->pos = -1;
	fd->size = -1;
	fd->have_flags = true;
	fd->cloexec = (h->HandleAttributes & OBJ_INHERIT_) == 0;
	status = nt.duplicate_object(process, (HANDLE)h->HandleValue,
	    GetCurrentProcess(), &dup, 0, 0, DUPLICATE_SAME_ACCESS_);
	if (status < 0)
		dup = NULL;
	if ((type = type_name(dup, h->ObjectTypeIndex)) == NULL) {
		fd->type = FD_TYPE_UNKNOWN;
		error = dup == NULL ? errno_from_status(status) : -EIO;
	} else if (strcmp(type, "File") == 0)
		error = dup == NULL ? errno_from_status(status) :
		    file_describe(dup, h, fd, &kept);
	else {
		error = object_describe(dup, type, fd);
		if (error == 0 && dup == NULL)
			error = errno_from_status(status);
	}
	if (dup != NULL && !kept)
		CloseHandle(dup);
	return error;
}

static int
fd_entry_compare(const void *a, const void *b)
{
	const struct fd_entry *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/*
 * Every handle of the process, from the system table.  Handle values are
 * not indexes and Winsock's select() counts sockets, not values, so there
 * is no FD_SETSIZE ceiling to report: the highest stays unknown.
 */
static int
table_read(struct process *proc, const struct handle_table *t)
{
	struct fd_entry *fds;
	size_t n = handle_table_count(t, proc->pid), k = 0;
	bool self = (DWORD)proc->pid == GetCurrentProcessId();
	HANDLE process;
	int error;

	if ((process = OpenProcess(PROCESS_DUP_HANDLE |
	    PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)proc->pid)) ==
	    NULL) {
		error = errno_last();
		return error == -EINVAL ? -ESRCH : error;
	}
	if ((fds = calloc(n > 0 ? n : 1, sizeof(*fds))) == NULL) {
		CloseHandle(process);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n && k < n; i++) {
		const struct nt_handle_entry *h = &t->info->Handles[i];

		if (h->UniqueProcessId != (ULONG_PTR)proc->pid ||
		    (self && reader_handle_is(h->HandleValue)))
			continue;
		error = handle_describe(process, h, &fds[k]);
		if (error == -ENOMEM) {
			CloseHandle(process);
			proc->fds = fds;
			proc->nfds = k + 1;
			return error;
		}
		fds[k++].error = error;
	}
	CloseHandle(process);
	if (k > 1)
		qsort(fds, k, sizeof(*fds), fd_entry_compare);
	proc->fds = fds;
	proc->nfds = k;
	proc->open = k;
	proc->highest_fd = -1;
	return 0;
}

/* The process must still be there: the table may list a dead one. */
static int
process_check(int pid)
{
	HANDLE process;
	DWORD code;
	int error;

	if ((process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
	    (DWORD)pid)) == NULL) {
		error = errno_last();
		return error == -EINVAL ? -ESRCH : error;
	}
	error = GetExitCodeProcess(process, &code) && code != STILL_ACTIVE ?
	    -ESRCH : 0;
	CloseHandle(process);
	return error;
}

static int
part_read(struct process *proc, unsigned part, const struct handle_table *t)
{
	int error;

	switch (part) {
	case PROCESS_IDENTITY:
		return identity_read(proc);
	case PROCESS_LIMITS:
		limits_read(proc);
		return 0;
	case PROCESS_COUNT:
		if ((error = process_check(proc->pid)) != 0 && error != -EACCES)
			return error;
		proc->open = handle_table_count(t, proc->pid);
		proc->highest_fd = -1;
		return 0;
	case PROCESS_FDS:
		return table_read(proc, t);
	default:
		return -EINVAL;
	}
}

static int
process_read(struct process *proc, unsigned what, const struct handle_table *t)
{
	static const unsigned parts[] = { PROCESS_IDENTITY, PROCESS_LIMITS,
	    PROCESS_FDS, PROCESS_COUNT };
	int error = 0;

	if (what & PROCESS_FDS)
		what &= ~PROCESS_COUNT;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (!(what & parts[i]))
			continue;
		if ((error = part_read(proc, parts[i], t)) != 0) {
			proc->error = error;
			proc->error_part = parts[i];
			break;
		}
		proc->have |= parts[i];
		if (proc->kernel_thread && (what & PROCESS_SKIP_KERNEL))
			return 0;
	}
	if (proc->have & PROCESS_FDS)
		proc->have |= PROCESS_COUNT;
	/* Windows has no cgroups: the owner is said to be unknown. */
	if ((what & PROCESS_SERVICE) && (proc->have & PROCESS_IDENTITY) &&
	    (proc->unit = strdup("unknown")) != NULL)
		proc->have |= PROCESS_SERVICE;
	return error;
}

/* The handle table is taken only when a part needs it. */
static int
handle_table_for(unsigned what, struct handle_table *t)
{
	t->info = NULL;
	t->n = 0;
	if (!(what & (PROCESS_COUNT | PROCESS_FDS)))
		return 0;
	return handle_table_take(t);
}

int
platform_process_read(struct process *proc, unsigned what)
{
	struct handle_table t;
	int error;

	if ((error = handle_table_for(what, &t)) != 0) {
		proc->error = error;
		proc->error_part = what & PROCESS_FDS ? PROCESS_FDS :
		    PROCESS_COUNT;
		return error;
	}
	error = process_read(proc, what, &t);
	handle_table_free(&t);
	return error;
}

/*
 * Many processes share one snapshot of the handle table: it lists every
 * handle of the system, and taking it is the costly part.  The reads are
 * sequential, since the worker and the caches are not shared.
 */
int
platform_processes_read(struct process *procs, size_t n, unsigned what)
{
	struct handle_table t;
	int error;

	if ((error = handle_table_for(what, &t)) != 0)
		return error;
	for (size_t i = 0; i < n; i++)
		(void)process_read(&procs[i], what, &t);
	handle_table_free(&t);
	return 0;
}

/* The handles of other users' processes need SeDebugPrivilege. */
const char *
platform_privilege_hint(void)
{
	return "as an administrator";
}

/* Windows lists every process to everyone; only their handles are kept. */
bool
platform_processes_hidden(void)
{
	return false;
}

/*
 * A thread ID is not a process ID on Windows: OpenProcess refuses it, and
 * the audit says there is no such process.
 */
int
platform_thread_group(int pid, int *process)
{
	*process = pid;
	return 0;
}

/* Windows keeps the whole image name. */
size_t
platform_command_max(void)
{
	return 0;
}

int
platform_user_find(const char *name)
{
	BYTE sid[SECURITY_MAX_SID_SIZE];
	char domain[256];
	DWORD sid_size = sizeof(sid), domain_size = sizeof(domain);
	SID_NAME_USE use;

	if (LookupAccountNameA(NULL, name, sid, &sid_size, domain,
	    &domain_size, &use))
		return 0;
	return GetLastError() == ERROR_NONE_MAPPED ? -ENOENT : -EIO;
}

/* Pipes name no reader or writer that fdaudit could find: no peers. */
int
platform_peers_read(struct process *procs, size_t n)
{
	(void)procs;
	(void)n;
	return 0;
}

/*
 * There is no system-wide handle maximum to compare with (handles are
 * bounded by kernel memory), so the picture is left out.
 */
int
platform_system_read(struct system_info *sys)
{
	memset(sys, 0, sizeof(*sys));
	return -ENOSYS;
}

double
platform_monotonic(void)
{
	LARGE_INTEGER now;

	QueryPerformanceCounter(&now);
	if (counter_frequency.QuadPart == 0)
		QueryPerformanceFrequency(&counter_frequency);
	return (double)now.QuadPart / (double)counter_frequency.QuadPart;
}

void
platform_sleep(double seconds)
{
	Sleep(seconds > 0 ? (DWORD)(seconds * 1000.0) : 0);
}

void
platform_terminal_size(int fd, int *columns, int *rows)
{
	CONSOLE_SCREEN_BUFFER_INFO info;
	HANDLE h = (HANDLE)_get_osfhandle(fd);

	*columns = *rows = 0;
	if (h == INVALID_HANDLE_VALUE ||
	    !GetConsoleScreenBufferInfo(h, &info))
		return;
	*columns = info.srWindow.Right - info.srWindow.Left + 1;
	*rows = info.srWindow.Bottom - info.srWindow.Top + 1;
}

/*
 * Reports are UTF-8.  A console is switched to that code page; a file or
 * a pipe receives the bytes as they are.
 */
bool
platform_output_utf8(void)
{
	DWORD mode;

	if (GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode))
		SetConsoleOutputCP(CP_UTF8);
	return true;
}

static void
platform_file_free(struct platform_file *f)
{
	free(f->path);
	free(f->temp);
	free(f);
}

/* A new file beside the target, named after this process and a counter. */
static HANDLE
temp_create(struct platform_file *f, size_t len)
{
	HANDLE h = INVALID_HANDLE_VALUE;

	for (unsigned try = 0; try < 100 && h == INVALID_HANDLE_VALUE;
	    try++) {
		swprintf(f->temp + len, 24, L".%lu.%u",
		    (unsigned long)GetCurrentProcessId(), try);
		h = CreateFileW(f->temp, GENERIC_WRITE, 0, NULL, CREATE_NEW,
		    FILE_ATTRIBUTE_NORMAL, NULL);
		if (h == INVALID_HANDLE_VALUE &&
		    GetLastError() != ERROR_FILE_EXISTS)
			break;
	}
	return h;
}

/*
 * "-" is the standard output, written in place.  Windows names its
 * devices (NUL, CON) outside the file system's paths, and MoveFileEx
 * refuses to replace them, so no device can be replaced by a file here.
 */
int
platform_file_create(const char *path, unsigned flags,
    struct platform_file **file, FILE **stream)
{
	struct platform_file *f;
	size_t len;
	HANDLE h;
	int fd, error;

	if (*path == '\0')
		return -ENOENT;
	if (strcmp(path, "-") == 0) {
		if (flags & PLATFORM_FILE_REGULAR)
			return -PLATFORM_ENOTREG;
		if ((f = calloc(1, sizeof(*f))) == NULL)
			return -ENOMEM;
		*file = f;
		*stream = f->stream = stdout;
		return 0;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->path = wide_from_ansi(path, 0)) == NULL ||
	    (f->temp = wide_from_ansi(path, 24)) == NULL) {
		if (f != NULL)
			platform_file_free(f);
		return -ENOMEM;
	}
	len = wcslen(f->path);
	if ((h = temp_create(f, len)) == INVALID_HANDLE_VALUE) {
		error = errno_last();
		platform_file_free(f);
		return error;
	}
	/* Binary: the report has the same bytes as on any other system. */
	if ((fd = _open_osfhandle((intptr_t)h, _O_WRONLY | _O_BINARY)) == -1 ||
	    (f->stream = _fdopen(fd, "wb")) == NULL) {
		if (fd == -1)
			CloseHandle(h);
		else
			_close(fd);
		DeleteFileW(f->temp);
		platform_file_free(f);
		return -ENOMEM;
	}
	*file = f;
	*stream = f->stream;
	return 0;
}

struct platform_lock {
	HANDLE	 handle;
};

int
platform_lock_acquire(const char *path, double timeout_s,
    struct platform_lock **lock)
{
	double deadline = platform_monotonic() + timeout_s;
	OVERLAPPED whole = { 0 };
	DWORD attributes;
	WCHAR *name;
	HANDLE h;

	*lock = NULL;
	if ((name = wide_from_ansi(path, 8)) == NULL)
		return -ENOMEM;
	attributes = GetFileAttributesW(name);
	if (attributes != INVALID_FILE_ATTRIBUTES &&
	    (attributes & FILE_ATTRIBUTE_DIRECTORY)) {
		free(name);
		return 0;
	}
	wcscat(name, L".lock");
	h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ |
	    FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
	    FILE_ATTRIBUTE_NORMAL, NULL);
	free(name);
	if (h == INVALID_HANDLE_VALUE)
		return errno_last();
	while (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK |
	    LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &whole)) {
		if (GetLastError() != ERROR_LOCK_VIOLATION ||
		    platform_monotonic() >= deadline) {
			CloseHandle(h);
			return -EAGAIN;
		}
		platform_sleep(0.01);
	}
	if ((*lock = malloc(sizeof(**lock))) == NULL) {
		CloseHandle(h);
		return -ENOMEM;
	}
	(*lock)->handle = h;
	return 0;
}

/* Closing the handle releases the lock. */
void
platform_lock_release(struct platform_lock *lock)
{
	if (lock == NULL)
		return;
	CloseHandle(lock->handle);
	free(lock);
}

void
platform_file_abort(struct platform_file *f)
{
	if (f->path == NULL) {
		platform_file_free(f);
		return;
	}
	if (f->stream != NULL)
		fclose(f->stream);
	DeleteFileW(f->temp);
	platform_file_free(f);
}

/*
 * Flush to disk, then replace the target in one step; write-through makes
 * the rename itself durable, as the directory fsync does on POSIX.
 */
int
platform_file_commit(struct platform_file *f)
{
	HANDLE h;
	int error = 0;

	if (fflush(f->stream) != 0 || ferror(f->stream))
		error = -EIO;
	if (f->path == NULL) {
		platform_file_free(f);
		return error;
	}
	h = (HANDLE)_get_osfhandle(_fileno(f->stream));
	if (error == 0 && !FlushFileBuffers(h))
		error = errno_last();
	if (fclose(f->stream) != 0 && error == 0)
		error = -EIO;
	f->stream = NULL;
	if (error == 0 && !MoveFileExW(f->temp, f->path,
	    MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
		error = errno_last();
	if (error != 0)
		DeleteFileW(f->temp);
	platform_file_free(f);
	return error;
}

int
platform_self(void)
{
	return (int)GetCurrentProcessId();
}

/*
 * A slim reader/writer lock holds no handle; a pthread mutex of
 * winpthreads creates an event on its first contention, which a
 * snapshot taken before it would count as leaked.
 */
static SRWLOCK self_lock = SRWLOCK_INIT;

void
platform_self_lock(void)
{
	AcquireSRWLockExclusive(&self_lock);
}

void
platform_self_unlock(void)
{
	ReleaseSRWLockExclusive(&self_lock);
}

int
platform_hostname(char *buf, size_t size)
{
	DWORD len = size > 0xffff ? 0xffff : (DWORD)size;

	if (size == 0 || !GetComputerNameA(buf, &len))
		return -EINVAL;
	return 0;
}

/* Who holds a file or a port is not looked for on Windows yet. */
int
platform_path_ids(const char *path, bool recursive, struct hold_query *q)
{
	(void)path;
	(void)recursive;
	(void)q;
	return -ENOSYS;
}

int
platform_holders_find(const struct hold_query *q, struct report *report)
{
	(void)q;
	(void)report;
	return -ENOSYS;
}
