/* throws: C++ exceptions caught where they are thrown from. main calls raise_it(n) for n = 1..3: an odd n throws
 * std::runtime_error, an even one an int; main catches each, prints "caught 3" and returns 0.
 * rdb-build: -fno-inline */
#include <cstdio>
#include <stdexcept>

int caught;

void raise_it(int n)
{
    if (n % 2)
        throw std::runtime_error("odd"); /* @throw_odd */
    throw n; /* @throw_even */
}

int main()
{
    for (int n = 1; n <= 3; n++) {
        try {
            raise_it(n);
        } catch (const std::exception &) {
            caught++;
        } catch (int) {
            caught++;
        }
    }
    std::printf("caught %d\n", caught);
    return 0;
}
