/* wthread: starts one thread with CreateThread; the thread returns the distinctive exit code 0x1234
 * (EXIT_THREAD_DEBUG_EVENT carries it). main waits for it, prints "thread exited 1234" and exits 0. */
#include <stdio.h>
#include <windows.h>

static DWORD WINAPI worker(LPVOID arg)
{
    (void)arg;
    return 0x1234; /* @worker-return */
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    HANDLE thread = CreateThread(NULL, 0, worker, NULL, 0, NULL);
    if (!thread)
        return 1;
    WaitForSingleObject(thread, INFINITE);
    DWORD code = 0;
    GetExitCodeThread(thread, &code);
    CloseHandle(thread);
    printf("thread exited %lx\n", code);
    return 0;
}
