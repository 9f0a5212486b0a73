import os


def area(r):
    return math.pi * r ** 2


def label(r):
    return os.path.join("shapes", str(r))
