/*
 * winholder: the Windows twin of tests/fdholder.c.  It opens one handle
 * of each kind fdaudit must recognise, prints its PID and a line per
 * handle ("KIND VALUE NAME"), then waits for SECONDS (default 120) so
 * that the test can audit it.  Handle values are printed in decimal, as
 * fdaudit prints them.
 */
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

static void
show(const char *kind, HANDLE h, const char *name)
{
	if (h == NULL || h == INVALID_HANDLE_VALUE) {
		fprintf(stderr, "winholder: %s: error %lu\n", kind,
		    (unsigned long)GetLastError());
		exit(1);
	}
	printf("%s %llu %s\n", kind, (unsigned long long)(ULONG_PTR)h, name);
}

static HANDLE
file_open(const char *path, DWORD flags, BOOL inherit)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, inherit };

	return CreateFileA(path, GENERIC_READ | GENERIC_WRITE,
	    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa,
	    OPEN_ALWAYS, flags, NULL);
}

static void
files_open(void)
{
	char dir[MAX_PATH], path[MAX_PATH + 32];
	HANDLE h;

	GetTempPathA(sizeof(dir) - 32, dir);
	snprintf(dir + strlen(dir), 32, "winholder-%lu",
	    (unsigned long)GetCurrentProcessId());
	CreateDirectoryA(dir, NULL);
	snprintf(path, sizeof(path), "%s\\held.txt", dir);
	h = file_open(path, FILE_ATTRIBUTE_NORMAL, FALSE);
	WriteFile(h, "0123456789", 10, NULL, NULL);
	show("file", h, path);
	h = CreateFileA(dir, FILE_LIST_DIRECTORY, FILE_SHARE_READ |
	    FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
	    FILE_FLAG_BACKUP_SEMANTICS, NULL);
	show("dir", h, dir);
	snprintf(path, sizeof(path), "%s\\inherit.txt", dir);
	show("inheritable", file_open(path, FILE_ATTRIBUTE_NORMAL, TRUE),
	    path);
}

static void
pipes_open(void)
{
	char name[64];
	HANDLE r, w;

	if (!CreatePipe(&r, &w, NULL, 0))
		show("pipe", NULL, "");
	show("pipe-read", r, "-");
	show("pipe-write", w, "-");
	snprintf(name, sizeof(name), "\\\\.\\pipe\\winholder-%lu",
	    (unsigned long)GetCurrentProcessId());
	/* Synchronous, as the pipes that block name queries are. */
	show("namedpipe", CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX,
	    PIPE_TYPE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0, NULL), name);
}

static void
objects_open(void)
{
	char name[64];
	HKEY key;

	snprintf(name, sizeof(name), "winholder-event-%lu",
	    (unsigned long)GetCurrentProcessId());
	show("event", CreateEventA(NULL, TRUE, FALSE, name), name);
	snprintf(name, sizeof(name), "winholder-mutex-%lu",
	    (unsigned long)GetCurrentProcessId());
	show("mutex", CreateMutexA(NULL, FALSE, name), name);
	if (RegOpenKeyExA(HKEY_LOCAL_MACHINE, "Software", 0, KEY_READ,
	    &key) != ERROR_SUCCESS)
		show("key", NULL, "");
	show("key", (HANDLE)key, "HKLM\\Software");
}

static void
socket_open(void)
{
	struct sockaddr_in sin = { 0 };
	WSADATA wsa;
	SOCKET s;

	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		show("socket", NULL, "");
	s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, 0);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s == INVALID_SOCKET ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(s, 1) != 0)
		show("socket", NULL, "");
	show("socket", (HANDLE)s, "127.0.0.1");
}

int
main(int argc, char **argv)
{
	DWORD seconds = argc > 1 ? (DWORD)strtoul(argv[1], NULL, 10) : 120;

	printf("pid %lu\n", (unsigned long)GetCurrentProcessId());
	files_open();
	pipes_open();
	objects_open();
	socket_open();
	printf("ready\n");
	fflush(stdout);
	Sleep(seconds * 1000);
	return 0;
}
