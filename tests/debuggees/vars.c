/* vars: variables of every C kind, for dv and the value model.
 * walk() recurses three levels (depth 2, 1, 0) with a parameter of each common kind, and locals of every kind:
 * an int, a char array holding a string, an enum, a struct with bitfields, a double, a typedef'd unsigned long,
 * and an int in a nested block. main() has a struct, a char, an unsigned short, a long long and a float.
 * Exits with walk's result & 0xff.
 * Tests find lines by the "@name" markers. */
#include <stdio.h>
#include <string.h>

enum color { RED, GREEN = 5, BLUE };
struct point {
    int x;
    int y;
};
struct flags {
    unsigned ready : 1;
    unsigned level : 3;
    int rest;
};
typedef unsigned long counter_t;

int global_count = 7;
static double file_ratio = 0.25;

int walk(int depth, struct point *p, const char *label)
{
    int doubled = depth * 2;
    char buf[16];
    strcpy(buf, "deep");
    enum color c = GREEN;
    struct flags f = { 1, 5, -3 };
    double ratio = 1.5;
    counter_t n = 42;
    {
        int inner = doubled + p->x; /* @inner */
        buf[0] = (char)('a' + inner);
    }
    if (depth > 0)
        return walk(depth - 1, p, label) + doubled; /* @recurse */
    return doubled + (int)c + (int)f.level + (int)ratio + (int)n + buf[0] + global_count + (int)(file_ratio * 4); /* @bottom */
}

int main(void)
{
    struct point pt = { 3, 4 };
    char letter = 'q';
    unsigned short small = 65535;
    long long big = -1234567890123LL;
    float half = 0.5f;
    int r = walk(2, &pt, "label"); /* @call */
    printf("%d %c %u %lld %f\n", r, letter, small, big, half);
    return r & 0xff;
}
