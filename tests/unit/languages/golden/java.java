package golden;

import java.util.List; // a trailing comment
import java.util.Map;

/* A block comment
   over two lines. */
public class Point {
    private final double x;
    private final double y;

    public Point(double x, double y) {
        this.x = x;
        this.y = y;
    }

    public double norm() {
        // cursor
        return Math.sqrt(x * x + y * y);
    }

    static final String USAGE = """
        usage:
          golden [flags]""";
}
