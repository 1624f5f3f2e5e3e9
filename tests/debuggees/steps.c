/* steps: straight-line code for t / p / gu / pc / tc. main calls mid(5), mid calls leaf(5) = 10 and returns 11,
 * which is main's exit code (0xb).
 * Tests find lines by the "@name" markers. */
int leaf(int x)
{
    return x * 2;
}

int mid(int x)
{
    int y = leaf(x);
    return y + 1;
}

int main(void)
{
    int r = mid(5); /* @main-call */
    return r;
}
