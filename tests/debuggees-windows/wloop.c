/* wloop: prints "pid <decimal pid>", "code <checksum>" and "ready", then spins calling spin_once() (which counts in
 * the global `spins` and sleeps 1 ms). Used for attach, break-in and detach under Windows.
 *   wloop [seconds] [stop-file]
 * It ends when stop-file exists (checked every spin): it prints "stopped" and the checksum of its code again, and
 * exits 0. The checksum (FNV-1a of the first bytes of spin_once and main) is the same twice unless a breakpoint byte
 * was left in the code. Safety net for leaked test processes: it exits 0 on its own after 120 s (or argv[1]
 * seconds), printing nothing more. */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

volatile unsigned long long spins;

void spin_once(void)
{
    spins++; /* @spin */
    Sleep(1);
}

int main(int argc, char **argv);

/* FNV-1a over the first 32 bytes of spin_once and of main: where a debugger puts its breakpoints. */
static unsigned long code_checksum(void)
{
    const unsigned char *parts[] = {(const unsigned char *)spin_once, (const unsigned char *)main};
    unsigned long hash = 2166136261u;
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < 32; i++)
            hash = (hash ^ parts[p][i]) * 16777619u;
    return hash;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    DWORD seconds = argc > 1 ? (DWORD)atoi(argv[1]) : 120;
    const char *stop_file = argc > 2 ? argv[2] : NULL;
    printf("pid %lu\n", GetCurrentProcessId());
    printf("code %08lx\n", code_checksum());
    puts("ready");
    ULONGLONG deadline = GetTickCount64() + seconds * 1000ull;
    while (GetTickCount64() < deadline) {
        spin_once();
        if (stop_file && GetFileAttributesA(stop_file) != INVALID_FILE_ATTRIBUTES) {
            puts("stopped");
            printf("code %08lx\n", code_checksum());
            return 0;
        }
    }
    return 0;
}
