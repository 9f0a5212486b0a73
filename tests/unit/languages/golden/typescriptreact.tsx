import React from "react";
import { useState } from "react"; // a trailing comment

/* A block comment
   over two lines. */
interface Props {
  name: string;
}

export function Greeting({ name }: Props) {
  const [count, setCount] = useState(0);
  // cursor
  return <p onClick={() => setCount(count + 1)}>{name}</p>;
}

const caption = (n: number): string => `count:
${n}`;
