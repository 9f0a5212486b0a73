import React from "react";
const { useState } = require("react"); // a trailing comment

/* A block comment
   over two lines. */
function Counter({ start }) {
  const [count, setCount] = useState(start);
  // cursor
  return <button onClick={() => setCount(count + 1)}>{count}</button>;
}

const caption = (n) => `count:
${n}`;
