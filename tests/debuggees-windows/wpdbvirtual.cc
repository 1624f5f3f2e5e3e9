// wpdbvirtual: a polymorphic C++ hierarchy whose layout only a PDB describes (clang for the MSVC target, lld-link,
// no C runtime, no RTTI): a geo::Shape * and a geo::Shape & to a geo::Circle and a geo::Square, for dynamic types
// read through Microsoft's vtables. Exit code: the two areas (3 * 2 * 2 + 5 * 5 = 37).
// rdb-pdb: msvc
// rdb-build: -fno-rtti -Wl,/entry:start -Wl,/subsystem:console /usr/x86_64-w64-mingw32/lib/libkernel32.a
extern "C" __declspec(dllimport) void __stdcall ExitProcess(unsigned code);

namespace geo {
struct Shape {
    virtual int area() const { return 0; }
    int id;
};

struct Circle : Shape {
    int area() const override { return 3 * radius * radius; }
    int radius;
};

struct Square : Shape {
    int area() const override { return side * side; }
    int side;
};
} // namespace geo

extern "C" int run(void)
{
    geo::Circle c;
    c.id = 1;
    c.radius = 2;
    geo::Square q;
    q.id = 2;
    q.side = 5;
    geo::Shape *s = &c;
    geo::Shape &r = q;
    int total = s->area() + r.area(); /* @areas */
    return total;
}

extern "C" void start(void)
{
    ExitProcess(run());
}
