"""Data files of the benchmark (a package so that the wheel ships them as package data)."""
