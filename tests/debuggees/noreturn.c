/* noreturn: calls that never return.
 * `noreturn abort`: main calls fatal(), whose last instruction is its call to abort() (noreturn): its return
 * address is the first byte of the next function, after_fatal(), though the call is fatal's.
 * `noreturn longjmp`: main calls work(1), whose jumper() longjmps back to main's setjmp; then main calls work(0),
 * whose jumper() returns normally to the same return address in work, at the same stack depth. Prints "done 1".
 * `noreturn catch`: main calls catches(), which calls setjmp then throws(), which longjmps back into catches;
 * catches returns 7 to main. Prints "caught 7".
 * rdb-build: -g -O0 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf env;

__attribute__((noinline, noreturn)) void fatal(void)
{
    abort(); /* @abort */
}

__attribute__((noinline)) int after_fatal(int x)
{
    return x + 1;
}

__attribute__((noinline)) void jumper(int how)
{
    if (how)
        longjmp(env, 1); /* @longjmp */
}

__attribute__((noinline)) void work(int how)
{
    jumper(how); /* @jumper_call */
}

static jmp_buf inner_env;

__attribute__((noinline)) void throws(void)
{
    longjmp(inner_env, 1);
}

__attribute__((noinline)) int catches(void)
{
    if (setjmp(inner_env) == 0) /* @inner_setjmp */
        throws();
    return 7;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "abort") == 0)
        fatal();
    if (argc > 1 && strcmp(argv[1], "catch") == 0) {
        int caught = catches(); /* @catches_call */
        printf("caught %d\n", caught);
        return 0;
    }
    for (int i = 1; i >= 0; i--)
        if (setjmp(env) == 0) /* @setjmp */
            work(i);
    printf("done %d\n", after_fatal(0));
    return 0;
}
