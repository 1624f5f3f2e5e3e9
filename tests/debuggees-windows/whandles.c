/* whandles: the handle count of the debugger of process <pid> (its parent, which must be rdb.exe), for checks that
 * rdb.exe does not leak handles: prints "rdb.exe <parent pid> handles <n>" and exits 0; exits 1 when <pid> or its
 * parent is not found, or the parent is not rdb.exe, or its count cannot be read.
 *   whandles <decimal pid> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <tlhelp32.h>

/* The snapshot's entry for `pid`, into `out`. */
static int find(HANDLE snapshot, DWORD pid, PROCESSENTRY32 *out)
{
    PROCESSENTRY32 entry = {.dwSize = sizeof entry};
    for (BOOL more = Process32First(snapshot, &entry); more; more = Process32Next(snapshot, &entry)) {
        if (entry.th32ProcessID == pid) {
            *out = entry;
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: whandles <pid of a process rdb.exe debugs>\n");
        return 2;
    }
    HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snapshot == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "CreateToolhelp32Snapshot failed: %lu\n", GetLastError());
        return 1;
    }
    PROCESSENTRY32 debuggee, parent;
    if (!find(snapshot, (DWORD)strtoul(argv[1], NULL, 10), &debuggee)) {
        fprintf(stderr, "no process %s\n", argv[1]);
        return 1;
    }
    if (!find(snapshot, debuggee.th32ParentProcessID, &parent) || _stricmp(parent.szExeFile, "rdb.exe") != 0) {
        fprintf(stderr, "the parent of %s (%lu) is not rdb.exe\n", argv[1], debuggee.th32ParentProcessID);
        return 1;
    }
    CloseHandle(snapshot);
    HANDLE process = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, parent.th32ProcessID);
    DWORD count = 0;
    if (!process || !GetProcessHandleCount(process, &count)) {
        fprintf(stderr, "cannot read the handle count of %lu: %lu\n", parent.th32ProcessID, GetLastError());
        return 1;
    }
    CloseHandle(process);
    printf("rdb.exe %lu handles %lu\n", parent.th32ProcessID, count);
    return 0;
}
