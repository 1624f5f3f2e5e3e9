// throws: a C++ program that throws and catches one exception through libstdc++ (`__cxa_throw`), for breakpoints
// on a library whose file name holds characters no expression word does (`libstdc++.so.6!__cxa_throw`).
#include <cstdio>
#include <stdexcept>

__attribute__((noinline)) static int check(int x)
{
    if (x > 1)
        throw std::runtime_error("too big");
    return x;
}

int main(int argc, char **)
{
    try {
        check(argc + 1);
    } catch (const std::exception &e) {
        std::printf("caught %s\n", e.what());
    }
    return 0;
}
