/* wpresent: prints "IsDebuggerPresent=1" under a debugger, "IsDebuggerPresent=0" without one; exits 0. */
#include <stdio.h>
#include <windows.h>

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("IsDebuggerPresent=%d\n", IsDebuggerPresent() ? 1 : 0);
    return 0;
}
