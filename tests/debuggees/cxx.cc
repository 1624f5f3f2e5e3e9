// cxx: C++ names that hold blanks and parentheses (`Dog::speak() const`, `thrower(int)`), for @!"..." and bm.
#include <cstdio>

struct Dog {
    int n;
    int speak() const { return n * 2; }
};

int thrower(int x) { return x + 1; }

int main()
{
    Dog d{3};
    std::printf("%d %d\n", d.speak(), thrower(4));
    return 0;
}
