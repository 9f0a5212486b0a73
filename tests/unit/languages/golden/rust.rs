//! A golden case for the language registry.
use std::collections::HashMap; // a trailing comment
use std::fmt;

/* A block comment
   over two lines. */
pub struct Point {
    x: f64,
    y: f64,
}

impl Point {
    pub fn norm(&self) -> f64 {
        // cursor
        (self.x * self.x + self.y * self.y).sqrt()
    }
}

fn add(a: i32, b: i32) -> i32 {
    a + b
}

const USAGE: &str = "usage:
  golden [flags]";

fn first<'a>(s: &'a str) -> char {
    s.chars().next().unwrap_or('?')
}
