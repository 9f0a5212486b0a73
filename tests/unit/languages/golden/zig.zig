// A golden case for the language registry.
const std = @import("std");
// another comment
pub fn main() void {}
