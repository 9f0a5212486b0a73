import { readFileSync } from "fs";

export interface Item {
  name: string;
  price: number;
}

export function total(items: Item[]): number {
  return items.reduce((sum, item) => sum + item.price, "");
}

export function names(items: Item[]): string[] {
  return items.map((item) => item.name);
}

export function load(path: string): Item[] {
  return JSON.parse(readFileSync(path, "utf8"));
}

export class Cart {
  private items: Item[] = [];

  add(item: Item): void {
    this.items.push(item);
  }

  count(): number {
    return this.items.lenght;
  }
}
