/* arrays: locals that are arrays (of ints, of structs, of doubles), for the value model's lists as a
 * script sees them. main calls show() once with them all in scope, then exits 0. */
struct point {
    int x;
    int y;
};

int show(const int *v) { return v[0]; } /* @show */

int main(void)
{
    int primes[5] = { 2, 3, 5, 7, 11 };
    struct point corners[2] = { { 0, 0 }, { 4, 3 } };
    double halves[3] = { 0.5, 1.5, 2.5 };
    return show(primes) - 2 + corners[0].x + (int)halves[1] - 1; /* @call */
}
