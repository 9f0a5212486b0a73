import { readFileSync } from "fs"; // a trailing comment
import type { Stats } from "fs";

/* A block comment
   over two lines. */
export interface Shape {
  area(): number;
}

export class Circle implements Shape {
  constructor(private r: number) {}

  area(): number {
    // cursor
    return Math.PI * this.r ** 2;
  }
}

type Id = string;

export const describe = (s: Shape): string => `area:
${s.area()}`;
