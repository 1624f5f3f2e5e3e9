/* wloadlib: loads the DLL named by argv[1] (wplugin.dll) with LoadLibraryA, calls its plugin_answer, frees it
 * with FreeLibrary, and does so argv[2] times (1 by default): each round is one ModLoad and one Unload module.
 * Prints "plugin said 42" each round and "rounds <n>" at the end; exits 0 (1 when the DLL cannot be used).
 * With argv[3], a file name, it then prints "waiting <decimal pid>" and waits (30 s at most) until that file exists
 * before it exits, so a test can look at it and its debugger after the rounds. */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: wloadlib <path of wplugin.dll> [rounds]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 1;
    for (int i = 0; i < rounds; i++) {
        HMODULE plugin = LoadLibraryA(argv[1]); /* @load */
        if (!plugin) {
            fprintf(stderr, "LoadLibraryA(%s) failed: %lu\n", argv[1], GetLastError());
            return 1;
        }
        int (*answer)(void) = (int (*)(void))GetProcAddress(plugin, "plugin_answer");
        printf("plugin said %d\n", answer ? answer() : -1);
        FreeLibrary(plugin); /* @free */
    }
    printf("rounds %d\n", rounds);
    if (argc > 3) {
        printf("waiting %lu\n", GetCurrentProcessId());
        ULONGLONG deadline = GetTickCount64() + 30000;
        while (GetFileAttributesA(argv[3]) == INVALID_FILE_ATTRIBUTES && GetTickCount64() < deadline)
            Sleep(10);
    }
    return 0;
}
