// overloads: two functions answer to the name `twice` (C++ overloads), and Shape has two constructors. main calls
// twice(int) then twice(double); prints "4 5".
#include <cstdio>

__attribute__((noinline)) int twice(int x)
{
    return x * 2; /* @twice_int */
}

__attribute__((noinline)) double twice(double x)
{
    return x * 2; /* @twice_double */
}

int main()
{
    int a = twice(2);
    double b = twice(2.5);
    std::printf("%d %g\n", a, b);
    return 0;
}
