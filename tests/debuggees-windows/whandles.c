/* whandles: the handle count of the debugger of process <pid> (its parent, which must be rdb.exe), for checks that
 * rdb.exe does not leak handles: prints "rdb.exe <parent pid> handles <n>" and exits 0; exits 1 when <pid> or its
 * parent is not found, or the parent is not rdb.exe, or its count cannot be read.
 *   whandles <decimal pid>
 * The count is the number of the system's handle table entries owned by that process
 * (NtQuerySystemInformation(SystemHandleInformation)): Wine 8's GetProcessHandleCount always says 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <tlhelp32.h>

#define SYSTEM_HANDLE_INFORMATION_CLASS 16
#define STATUS_INFO_LENGTH_MISMATCH ((LONG)0xC0000004)

typedef struct {
    USHORT UniqueProcessId;
    USHORT CreatorBackTraceIndex;
    UCHAR ObjectTypeIndex;
    UCHAR HandleAttributes;
    USHORT HandleValue;
    PVOID Object;
    ULONG GrantedAccess;
} HANDLE_ENTRY;

typedef struct {
    ULONG NumberOfHandles;
    HANDLE_ENTRY Handles[1];
} HANDLE_TABLE;

typedef LONG(NTAPI *QueryFn)(ULONG, PVOID, ULONG, PULONG);

/* How many handles process `pid` holds, or -1. */
static long handle_count(DWORD pid)
{
    QueryFn query = (QueryFn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtQuerySystemInformation");
    if (!query)
        return -1;
    ULONG size = 1 << 16;
    for (;;) {
        HANDLE_TABLE *table = malloc(size);
        ULONG needed = 0;
        LONG status = query(SYSTEM_HANDLE_INFORMATION_CLASS, table, size, &needed);
        if (status == STATUS_INFO_LENGTH_MISMATCH) {
            free(table);
            size = needed > size ? needed + 4096 : size * 2;
            continue;
        }
        if (status != 0) {
            fprintf(stderr, "NtQuerySystemInformation failed: %08lx\n", (unsigned long)status);
            free(table);
            return -1;
        }
        long count = 0;
        for (ULONG i = 0; i < table->NumberOfHandles; i++)
            count += table->Handles[i].UniqueProcessId == (USHORT)pid;
        free(table);
        return count;
    }
}

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
    long count = handle_count(parent.th32ProcessID);
    if (count < 0)
        return 1;
    printf("rdb.exe %lu handles %ld\n", parent.th32ProcessID, count);
    return 0;
}
