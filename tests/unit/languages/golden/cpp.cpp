#include <cmath>
#include <string> // a trailing comment

namespace golden {

/* A block comment
   over two lines. */
class Point {
 public:
  double norm() const {
    // cursor
    return std::sqrt(x * x + y * y);
  }
  double x = 0, y = 0;
};

int add(int a, int b) { return a + b; }

}  // namespace golden

using Name = std::string;
