// cxx_std: C++ values as C++ shows them: libstdc++'s containers and smart pointers (as gcc 12's libstdc++ lays
// them out), a polymorphic hierarchy used through a base pointer and a base reference (dynamic types from the
// vtable), and a class with two base classes. main prints every value (the tests' oracle) and then stops at the
// marked "show" line with all of them alive.
#include <array>
#include <cstdio>
#include <deque>
#include <forward_list>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stack>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

struct Shape {
    virtual ~Shape() = default;
    virtual double area() const = 0;
    int id = 0;
};

struct Circle : Shape {
    explicit Circle(double r) : radius(r) { id = 1; }
    double area() const override { return 3.0 * radius * radius; }
    double radius;
};

struct Square : Shape {
    explicit Square(int s) : side(s) { id = 2; }
    double area() const override { return double(side) * side; }
    int side;
};

struct Named {
    virtual ~Named() = default;
    const char *name = "both";
};

struct Counted {
    virtual ~Counted() = default;
    int count = 7;
};

// Two base classes: a Counted * to one points into it, 16 bytes past its start.
struct Both : Named, Counted {
    double weight = 2.5;
};

static int done(int n)
{
    return n & 0x7f;
}

int main()
{
    std::string small = "hi";
    std::string text = "a string longer than fifteen characters";
    std::vector<int> nums = {3, 1, 4, 1, 5};
    std::vector<int> big(10000);
    for (int i = 0; i < 10000; i++)
        big[i] = i * 3;
    std::array<int, 3> trio = {7, 8, 9};
    std::vector<bool> flags = {true, false, true, true};
    std::map<std::string, int> ages = {{"alice", 31}, {"bob", 42}, {"carol", 27}};
    std::set<int> primes = {7, 2, 5, 3};
    std::multimap<int, std::string> multi = {{1, "one"}, {1, "uno"}, {2, "two"}};
    std::multiset<int> repeats = {4, 4, 1};
    std::unordered_map<std::string, int> counts = {{"red", 1}, {"green", 2}};
    std::unordered_set<int> seen = {10, 20, 30};
    std::list<int> queue = {9, 8, 7};
    std::forward_list<int> singly = {1, 2, 3};
    std::stack<int> stacked;
    stacked.push(5);
    stacked.push(6);
    std::deque<int> window;
    for (int i = 0; i < 300; i++)
        window.push_back(i);
    std::unique_ptr<int> owned(new int(42));
    std::unique_ptr<int> empty_owned;
    std::shared_ptr<Circle> shared = std::make_shared<Circle>(1.5);
    std::shared_ptr<Circle> shared2 = shared;
    std::weak_ptr<Circle> weak = shared;
    std::optional<int> maybe = 5;
    std::optional<int> nothing;
    std::variant<int, std::string, double> choice = std::string("text");
    std::variant<int, std::string, double> number = 2.5;
    Circle circle(2.5);
    Square square(4);
    Shape *sp = &circle;
    Shape &sr = square;
    Both both;
    Counted *cp = &both;

    std::printf("small=%s text=%s\n", small.c_str(), text.c_str());
    std::printf("trio[2]=%d\n", trio[2]);
    std::printf("nums.size=%zu big.size=%zu big[5000]=%d flags.size=%zu\n", nums.size(), big.size(), big[5000],
                flags.size());
    for (auto &[k, v] : ages)
        std::printf("ages[%s]=%d\n", k.c_str(), v);
    std::printf("primes.size=%zu multi.size=%zu repeats.size=%zu\n", primes.size(), multi.size(), repeats.size());
    std::printf("counts.size=%zu seen.size=%zu queue.size=%zu window.size=%zu window[200]=%d\n", counts.size(),
                seen.size(), queue.size(), window.size(), window[200]);
    std::printf("singly.front=%d stacked.top=%d stacked.size=%zu\n", singly.front(), stacked.top(), stacked.size());
    std::printf("owned=%d shared.use_count=%ld radius=%g\n", *owned, shared.use_count(), shared->radius);
    std::printf("maybe=%d nothing=%d choice.index=%zu number.index=%zu\n", *maybe, nothing.has_value(),
                choice.index(), number.index());
    std::printf("sp.area=%g sr.area=%g cp.count=%d both.weight=%g\n", sp->area(), sr.area(), cp->count,
                both.weight);
    std::fflush(stdout);
    int n = int(small.size() + nums.size() + (empty_owned ? 1 : 0) + (weak.expired() ? 1 : 0)); /* @show */
    return done(n + int(shared2.use_count()));
}
