/* wchild: starts a copy of itself with CreateProcess ("wchild child"); the child prints "child <pid>" and exits 7,
 * the parent waits, prints "child exited 7" and exits 0. Both print through say(), so a breakpoint there set in
 * one process only shows which process it is in. A debugger that follows only this process
 * (DEBUG_ONLY_THIS_PROCESS) sees no event of the child. */
#include <stdio.h>
#include <string.h>
#include <windows.h>

void say(const char *what, unsigned long n)
{
    /* One write per line: the process's output shares the debugger's stdout while it runs, and an unbuffered
     * printf writes in pieces that the debugger's own lines could cut. */
    char line[128];
    int len = snprintf(line, sizeof line, "%s %lu\n", what, n); /* @say */
    fwrite(line, 1, (size_t)len, stdout);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        say("child", GetCurrentProcessId());
        return 7;
    }
    char self[MAX_PATH];
    if (!GetModuleFileNameA(NULL, self, sizeof self))
        return 1;
    char command[MAX_PATH + 16];
    snprintf(command, sizeof command, "\"%s\" child", self);
    STARTUPINFOA si = {.cb = sizeof si};
    PROCESS_INFORMATION pi;
    if (!CreateProcessA(self, command, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        fprintf(stderr, "CreateProcessA failed: %lu\n", GetLastError());
        return 1;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 0;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    say("child exited", code);
    return 0;
}
