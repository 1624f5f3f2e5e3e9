/* wpdbvals: values whose types and places only a PDB describes, built by clang for the MSVC target and linked by
 * lld-link without a C runtime (wpdbvalsmingw.c builds this same file with mingw's runtime). run() has locals of
 * every C kind the value model shows (integers, characters, floating point, a struct holding a struct, bitfields,
 * an array, a union, an enumeration, pointers to a string and to a struct), calls combine() once (parameters,
 * locals in nested blocks, a static counting its calls) and prints each value it holds, which the tests take as the
 * truth. Exit code 11.
 * rdb-pdb: msvc
 * rdb-build: -Wl,/entry:start -Wl,/subsystem:console /usr/x86_64-w64-mingw32/lib/libkernel32.a */
__declspec(dllimport) void __stdcall ExitProcess(unsigned code);
__declspec(dllimport) void *__stdcall GetStdHandle(unsigned long which);
__declspec(dllimport) int __stdcall WriteFile(void *file, const void *buffer, unsigned long size,
                                              unsigned long *written, void *overlapped);

#ifndef WITH_CRT
/* What clang's code for the MSVC target expects of a C runtime: a program using floating point defines _fltused,
 * and aggregates are copied and cleared by memcpy and memset. */
int _fltused = 0;
void *memset(void *to, int c, unsigned long long n)
{
    unsigned char *p = to;
    while (n--)
        *p++ = (unsigned char)c;
    return to;
}
void *memcpy(void *to, const void *from, unsigned long long n)
{
    unsigned char *p = to;
    const unsigned char *q = from;
    while (n--)
        *p++ = *q++;
    return to;
}
#endif

enum color { RED, GREEN = 5, BLUE };
struct inner { short s; char c; };
struct point { int x; int y; struct inner in; };
struct flags { unsigned a : 3; unsigned b : 5; int c : 4; };
union number { int i; float f; unsigned char bytes[4]; };
typedef struct point point_t;

int g_counter = 42;
static double s_ratio = 0.75;
char g_name[16] = "global";

static void out(const char *s)
{
    unsigned long n = 0, written;
    while (s[n])
        n++;
    WriteFile(GetStdHandle((unsigned long)-11), s, n, &written, 0);
}

/* "name value\n", the value in decimal. */
static void show(const char *name, long long v)
{
    char digits[24];
    int at = 23;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    digits[at] = 0;
    do {
        digits[--at] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[--at] = '-';
    out(name);
    out(" ");
    out(digits + at);
    out("\n");
}

static int combine(struct point *p, int scale, char tag)
{
    static int calls;
    int total = p->x * scale; /* @combine_body */
    calls++;
    {
        int inner_sum = total + p->y;
        {
            long long deepest = inner_sum * 2LL; /* @combine_deep */
            total += (int)deepest;
        }
    }
    return total + tag; /* @combine_return */
}

int run(void)
{
    int i = -7;
    unsigned u = 3000000000u;
    char c = 'A';
    unsigned char uc = 200;
    short sh = -12;
    long long big = 1234567890123LL;
    float f = 2.5f;
    double d = -0.125;
    struct point pt = { 3, 4, { -5, 'z' } };
    struct flags fl = { 5, 17, -3 };
    int arr[5] = { 10, 20, 30, 40, 50 };
    union number num;
    enum color col = GREEN;
    const char *str = "hello pdb";
    struct point *ppt = &pt;
    point_t copy = pt;
    int r;
    num.i = 0x41424344;
    show("i", i); /* @run_show */
    show("u", u);
    show("c", c);
    show("uc", uc);
    show("sh", sh);
    show("big", big);
    show("f*1000", (long long)(f * 1000));
    show("d*1000", (long long)(d * 1000));
    show("pt.x", pt.x);
    show("pt.y", pt.y);
    show("pt.in.s", pt.in.s);
    show("pt.in.c", pt.in.c);
    show("fl.a", fl.a);
    show("fl.b", fl.b);
    show("fl.c", fl.c);
    show("arr[3]", arr[3]);
    show("num.i", num.i);
    show("col", col);
    show("str[6]", str[6]);
    show("ppt->y", ppt->y);
    show("copy.x", copy.x);
    show("g_counter", g_counter);
    show("s_ratio*1000", (long long)(s_ratio * 1000));
    r = combine(ppt, 2, c); /* @run_call */
    show("r", r); /* @run_after */
    return r - 80;
}

#ifndef WITH_CRT
void start(void)
{
    ExitProcess(run()); /* @start_run */
}
#endif
