/* wdebugstr: sends one debug string with OutputDebugStringA and one with OutputDebugStringW, then exits 0.
 * A debugger prints both texts (OUTPUT_DEBUG_STRING_EVENT); without one they go nowhere. */
#include <stdio.h>
#include <windows.h>

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    OutputDebugStringA("rdb debug string A\n");
    OutputDebugStringW(L"rdb debug string W\n");
    puts("strings sent");
    return 0;
}
