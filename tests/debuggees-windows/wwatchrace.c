/* wwatchrace: Wine's data-breakpoint hang, with no rdb in it. Run without arguments, it is a minimal debugger: it
 * starts itself with "child" under DEBUG_ONLY_THIS_PROCESS, sets a 4-byte write watchpoint on `counter` (DR0, DR7)
 * in every thread the child creates, as it is created, and continues every event as it comes, reading or writing
 * no context at a debug exception. The child's four threads, released together, each add 1 to `counter` three
 * times. It prints "hits=12 exited 0" and returns 0 when the child ran to its end; it prints "stuck after <n> hits"
 * and returns 2 when no debug event came for 5 s: a thread that trapped while another thread's event was pending
 * waits forever inside Wine (see README, Known limitations). */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#define THREADS 4
#define WRITES 3

volatile LONG counter;
static HANDLE go;

static DWORD WINAPI writer(void *unused)
{
    (void)unused;
    WaitForSingleObject(go, INFINITE);
    for (int i = 0; i < WRITES; i++)
        InterlockedIncrement(&counter);
    return 0;
}

static int child(void)
{
    HANDLE threads[THREADS];
    go = CreateEventW(NULL, TRUE, FALSE, NULL);
    for (int i = 0; i < THREADS; i++)
        threads[i] = CreateThread(NULL, 0, writer, NULL, 0, NULL);
    Sleep(50);
    SetEvent(go);
    WaitForMultipleObjects(THREADS, threads, TRUE, INFINITE);
    return counter == THREADS * WRITES ? 0 : 1;
}

static void watch(HANDLE thread, DWORD64 address)
{
    CONTEXT c;
    memset(&c, 0, sizeof c);
    c.ContextFlags = CONTEXT_DEBUG_REGISTERS;
    c.Dr0 = address;
    c.Dr7 = 1 | (1 << 16) | (3 << 18); /* L0; R/W0 = 01 (write); LEN0 = 11 (4 bytes) */
    if (!SetThreadContext(thread, &c))
        printf("SetThreadContext failed: %lu\n", GetLastError());
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child();
    char self[MAX_PATH], line[MAX_PATH + 16];
    GetModuleFileNameA(NULL, self, MAX_PATH);
    snprintf(line, sizeof line, "\"%s\" child", self);
    STARTUPINFOA startup = {sizeof startup};
    PROCESS_INFORMATION info;
    if (!CreateProcessA(self, line, NULL, NULL, FALSE, DEBUG_ONLY_THIS_PROCESS, NULL, NULL, &startup, &info)) {
        printf("CreateProcess failed: %lu\n", GetLastError());
        return 3;
    }
    /* The child runs this same image: counter is at the same offset from its base. */
    DWORD64 offset = (DWORD64)&counter - (DWORD64)GetModuleHandleA(NULL), address = 0;
    int hits = 0;
    for (;;) {
        DEBUG_EVENT e;
        if (!WaitForDebugEvent(&e, 5000)) {
            printf("stuck after %d hits\n", hits);
            TerminateProcess(info.hProcess, 9);
            return 2;
        }
        DWORD status = DBG_CONTINUE;
        switch (e.dwDebugEventCode) {
        case CREATE_PROCESS_DEBUG_EVENT:
            address = (DWORD64)e.u.CreateProcessInfo.lpBaseOfImage + offset;
            CloseHandle(e.u.CreateProcessInfo.hFile);
            break;
        case CREATE_THREAD_DEBUG_EVENT:
            watch(e.u.CreateThread.hThread, address);
            break;
        case LOAD_DLL_DEBUG_EVENT:
            CloseHandle(e.u.LoadDll.hFile);
            break;
        case EXCEPTION_DEBUG_EVENT:
            if (e.u.Exception.ExceptionRecord.ExceptionCode == EXCEPTION_SINGLE_STEP)
                hits++;
            else if (e.u.Exception.ExceptionRecord.ExceptionCode != EXCEPTION_BREAKPOINT)
                status = DBG_EXCEPTION_NOT_HANDLED;
            break;
        case EXIT_PROCESS_DEBUG_EVENT:
            printf("hits=%d exited %lu\n", hits, e.u.ExitProcess.dwExitCode);
            ContinueDebugEvent(e.dwProcessId, e.dwThreadId, DBG_CONTINUE);
            return 0;
        }
        ContinueDebugEvent(e.dwProcessId, e.dwThreadId, status);
    }
}
