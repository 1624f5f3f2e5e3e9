// wpdbclass: C++ classes whose layout only a PDB describes, built by clang for the MSVC target and linked by
// lld-link without a C runtime (wpdbclassmingw.cc builds it with mingw's runtime): a Circle derived from a Shape
// (a base class with members of its own), in a namespace, and a method that reads a member. Exit code: the
// circle's area() (3 * 4 * 4 = 48).
// rdb-pdb: msvc
// rdb-build: -Wl,/entry:start -Wl,/subsystem:console /usr/x86_64-w64-mingw32/lib/libkernel32.a
extern "C" __declspec(dllimport) void __stdcall ExitProcess(unsigned code);

namespace geo {
struct Shape {
    int id;
    short sides;
};

class Circle : public Shape {
public:
    int radius;
    char tag;
    int area() const
    {
        int r = radius; /* @area_body */
        return 3 * r * r;
    }
};
} // namespace geo

geo::Circle g_circle;

extern "C" int run(void)
{
    geo::Circle c;
    c.id = 7;
    c.sides = 0;
    c.radius = 4;
    c.tag = 'c';
    geo::Shape *s = &c;
    geo::Circle &ref = c;
    g_circle = c;
    int a = ref.area(); /* @start_area */
    return a + s->sides; /* @start_exit */
}

#ifndef WITH_CRT
extern "C" void start(void)
{
    ExitProcess(run());
}
#endif
