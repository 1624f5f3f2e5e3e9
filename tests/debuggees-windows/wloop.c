/* wloop: prints "pid <decimal pid>" and "ready", then spins forever calling spin_once() (which counts in the
 * global `spins` and sleeps 1 ms). Used for attach, break-in and detach under Windows.
 * Safety net for leaked test processes: it exits on its own after 120 s (or argv[1] seconds). */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

volatile unsigned long long spins;

void spin_once(void)
{
    spins++;
    Sleep(1);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    DWORD seconds = argc > 1 ? (DWORD)atoi(argv[1]) : 120;
    printf("pid %lu\n", GetCurrentProcessId());
    puts("ready");
    ULONGLONG deadline = GetTickCount64() + seconds * 1000ull;
    while (GetTickCount64() < deadline)
        spin_once();
    return 0;
}
