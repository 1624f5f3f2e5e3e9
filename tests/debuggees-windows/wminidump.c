/* wminidump: writes a minidump of itself with dbghelp's MiniDumpWriteDump, for tests of reading dumps.
 *   wminidump <dump path> crash [full]   writes through a null pointer in crash_here(); the unhandled-exception
 *                                         filter writes the dump with the exception (MINIDUMP_EXCEPTION_INFORMATION)
 *                                         and the process exits 3
 *   wminidump <dump path> plain [full]   writes the dump from a plain call, with no exception, and exits 0
 * "full" asks for MiniDumpWithFullMemory, else MiniDumpNormal. A second thread waits in idle_thread(). Before the
 * crash it sets MXCSR's flush-to-zero bit (0x9f80).
 * It prints what a test checks the dump against: "pid <n>", "tid <n>", "idle <n>" (the two threads' ids, decimal),
 * "teb <address>" (the main thread's), "exe <address>", "ntdll <address>", "kernel32 <address>" (module bases),
 * "crash_here <address>", "pattern <address>" (the global `pattern`, filled with bytes 3, 10, 17... (i * 7 + 3)),
 * then "dump written" or "dump failed <error>".
 * rdb-build: -ldbghelp */
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <dbghelp.h>
#include <xmmintrin.h>

unsigned char pattern[64];
static const char *dump_path;
static MINIDUMP_TYPE dump_type = MiniDumpNormal;

static int write_dump(EXCEPTION_POINTERS *info)
{
    HANDLE file = CreateFileA(dump_path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        printf("dump failed %lu\n", GetLastError());
        return 0;
    }
    MINIDUMP_EXCEPTION_INFORMATION exception = { GetCurrentThreadId(), info, FALSE };
    BOOL ok = MiniDumpWriteDump(GetCurrentProcess(), GetCurrentProcessId(), file, dump_type,
                                info ? &exception : NULL, NULL, NULL);
    DWORD error = GetLastError();
    CloseHandle(file);
    if (!ok) {
        printf("dump failed %lu\n", error);
        return 0;
    }
    puts("dump written");
    return 1;
}

static LONG WINAPI filter(EXCEPTION_POINTERS *info)
{
    ExitProcess(write_dump(info) ? 3 : 4);
}

static DWORD WINAPI idle_thread(void *arg)
{
    (void)arg;
    Sleep(INFINITE);
    return 0;
}

__declspec(noinline) void crash_here(int count)
{
    int local_count = count * 2;
    char label[16] = "crash label";
    volatile int *target = NULL;
    *target = local_count + (int)strlen(label); /* @crash */
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 3) {
        puts("usage: wminidump <dump path> crash|plain [full]");
        return 2;
    }
    dump_path = argv[1];
    if (argc > 3 && strcmp(argv[3], "full") == 0)
        dump_type = MiniDumpWithFullMemory;
    for (int i = 0; i < (int)sizeof pattern; i++)
        pattern[i] = (unsigned char)(i * 7 + 3);
    DWORD idle_tid;
    HANDLE idle = CreateThread(NULL, 0, idle_thread, NULL, 0, &idle_tid);
    if (!idle)
        return 2;
    printf("pid %lu\n", GetCurrentProcessId());
    printf("tid %lu\n", GetCurrentThreadId());
    printf("idle %lu\n", idle_tid);
    printf("teb %p\n", (void *)NtCurrentTeb());
    printf("exe %p\n", (void *)GetModuleHandleA(NULL));
    printf("ntdll %p\n", (void *)GetModuleHandleA("ntdll.dll"));
    printf("kernel32 %p\n", (void *)GetModuleHandleA("kernel32.dll"));
    printf("crash_here %p\n", (void *)crash_here);
    printf("pattern %p\n", (void *)pattern);
    if (strcmp(argv[2], "crash") == 0) {
        SetUnhandledExceptionFilter(filter);
        /* Flush-to-zero on: an MXCSR of 0x9f80 rather than the default 0x1f80, for a dump's registers to show. */
        _mm_setcsr(_mm_getcsr() | 0x8000);
        crash_here(21);
        puts("not reached");
        return 1;
    }
    return write_dump(NULL) ? 0 : 4;
}
