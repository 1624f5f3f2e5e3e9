// cxxvars: C++ values for the value model: a class with a base class, a virtual method and a static member, a
// reference and an rvalue reference, a namespace, a template instance, an enum class, a std::string and a
// std::vector (their layouts as libstdc++ has them), `this` in a method.
// Shape::area() is where tests stop (its marked line); main calls it on a Rect.
// Tests find lines by the "@name" markers.
#include <cstdio>
#include <string>
#include <vector>

namespace geo {
enum class Kind : unsigned char { Square = 1, Rect = 2 };

struct Base {
    int id;
    static int count;
};
int Base::count = 3;

class Shape : public Base {
public:
    Shape(int w, int h, Kind k) : width(w), height(h), kind(k) { id = w * 100 + h; }
    virtual ~Shape() = default;
    virtual long area() const;
    int width;
    int height;
    Kind kind;
};

long Shape::area() const
{
    long a = (long)width * height; /* @area */
    return a;
}

template <typename T> struct Pair {
    T first;
    T second;
};
} // namespace geo

static long measure(const geo::Shape &shape, geo::Pair<int> &&pair, int &counter)
{
    counter += pair.first;
    return shape.area() + pair.second; /* @measure */
}

int main()
{
    geo::Shape rect(3, 4, geo::Kind::Rect);
    std::string name = "rectangle";
    std::vector<int> sides = {3, 4, 3, 4};
    int counter = 10;
    long total = measure(rect, geo::Pair<int>{5, 6}, counter); /* @call */
    std::printf("%s %zu %ld %d\n", name.c_str(), sides.size(), total, counter);
    return (int)(total & 0x7f);
}
