// overloads: C++ names that were resolved or written wrong. Two functions answer to `twice` (overloads); Pair's
// constructor is a template over forwarding references, mangled `_ZN4PairC1IRidEEOT_OT0_`
// (`Pair::Pair<int&, double>(int&, double&&)`). main calls twice(2), twice(2.5), then builds a Pair from an int
// lvalue and a double rvalue; prints "4 5 1 2.5".
#include <cstdio>

__attribute__((noinline)) int twice(int x)
{
    return x * 2;
}

__attribute__((noinline)) double twice(double x)
{
    return x * 2;
}

struct Pair {
    int a;
    double b;
    template <class A, class B>
    __attribute__((noinline)) Pair(A &&x, B &&y) : a(x), b(y)
    {
    }
};

int main()
{
    int a = twice(2);
    double b = twice(2.5);
    int one = 1;
    Pair p(one, 2.5);
    std::printf("%d %g %d %g\n", a, b, p.a, p.b);
    return 0;
}
