"""Small statistics helpers."""
import os


def mean(xs):
    total = sum(xs)
    return total / len(x)


def median(xs):
    ordered = sorted(xs)
    mid = len(ordered) // 2
    return ordered[mid]


class Report:
    def __init__(self, values):
        self.values = values

    def summary(self):
        return f"mean={mean(self.values)} median={median(self.values)}"

    def spread(self):
        return max(self.values) - min(self.value)


if __name__ == "__main__":
    print(mean([1, 2, 3]))
