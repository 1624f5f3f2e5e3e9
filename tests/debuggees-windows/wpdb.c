/* wpdb: a Windows program whose symbols are in a PDB, built by clang for the MSVC target and linked by lld-link
 * without a C runtime. start() is the entry point; it calls twice(3) (static), which calls add(3, 3); then
 * add(6, 1); and exits with code 7 through kernel32's ExitProcess.
 * rdb-pdb: msvc
 * rdb-build: -Wl,/entry:start -Wl,/subsystem:console /usr/x86_64-w64-mingw32/lib/libkernel32.a */
__declspec(dllimport) void __stdcall ExitProcess(unsigned code);

int counter = 5;

#ifdef OTHER_BUILD
/* Another build of this program (a PDB whose GUID is not the image's, for the tests). */
int other_build = 1;
#endif

int add(int a, int b)
{ /* @add_entry */
    int sum = a + b; /* @add_body */
    return sum; /* @add_return */
}

static int twice(int x)
{
    int r = add(x, x); /* @twice_call */
    return r; /* @twice_return */
}

void start(void)
{
    int total = 0; /* @start_first */
    total = twice(3); /* @start_twice */
    total = add(total, 1); /* @start_add */
    counter = total; /* @start_counter */
    ExitProcess((unsigned)total); /* @start_exit */
}
