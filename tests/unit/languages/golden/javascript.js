/* A golden case for the language registry.
   The comment spans lines. */
import { readFile } from "fs";
const path = require("path"); // a trailing comment

function add(a, b) {
  return a + b;
}

class Point {
  norm() {
    // cursor
    return Math.hypot(this.x, this.y);
  }
}

const greet = (name) => `hello
${name}`;
