#include <stdio.h>
#include "golden.h" /* a trailing comment */

// A line comment.
struct point {
    double x, y;
};

static double norm(const struct point *p) {
    // cursor
    return p->x * p->x + p->y * p->y;
}

int add(int a, int b);

typedef struct point point_t;

int add(int a, int b) {
    return a + b;
}
