// cold: at -O2 the unlikely path of Worker::run (a throw) is split off into `Worker::run(int) [clone .cold]`, which
// the linker places before the function (in .text.unlikely). main calls w.run(argc + 1) once; prints the sum.
// rdb-build: -O2
#include <cstdio>
#include <stdexcept>

struct Worker {
    int n;
    __attribute__((noinline)) int run(int x);
};

int Worker::run(int x)
{
    if (__builtin_expect(x < 0, 0))
        throw std::runtime_error("negative");
    return n + x;
}

int main(int argc, char **)
{
    Worker w{argc};
    std::printf("sum %d\n", w.run(argc + 1));
    return 0;
}
