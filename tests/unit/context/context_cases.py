"""One small program per language: an import, a helper defined far (> 30 lines) from the cursor, and a
cursor (`‸`) inside a method that uses the helper."""

from __future__ import annotations

from dataclasses import dataclass

CURSOR = "‸"


def filler(comment: str, lines: int = 40) -> str:
    return "".join(f"{comment} filler line {i}\n" for i in range(lines))


@dataclass(frozen=True)
class Case:
    language: str
    source: str
    scope: tuple[str, ...]
    imports: tuple[str, ...]
    signatures: dict[str, str]  # name -> expected header

    def split(self) -> tuple[str, int]:
        return self.source.replace(CURSOR, ""), self.source.index(CURSOR)


CASES = [
    Case(
        "python",
        "import os\nfrom typing import Any\n\n\ndef helper(a: int,\n           b: str = 'x') -> int:\n"
        "    return a\n\n\n" + filler("#") + "class Widget(Base):\n    def render(self, x):\n"
        "        y = helper(x)\n        self.paint(y)\n        ‸\n\n    def paint(self, y):\n        pass\n",
        scope=("class Widget(Base):", "def render(self, x):"),
        imports=("import os", "from typing import Any"),
        signatures={
            "helper": "def helper(a: int,\n           b: str = 'x') -> int:",
            "paint": "def paint(self, y):",
        },
    ),
    Case(
        "javascript",
        "import fs from 'fs';\nconst path = require('path');\n\nfunction helper(a, b) {\n  return a;\n}\n"
        "const twice = (n) => n * 2;\n" + filler("//") + "class Widget extends Base {\n  render(x) {\n"
        "    const y = twice(helper(x, 1));\n    ‸\n  }\n}\n",
        scope=("class Widget extends Base", "render(x)"),
        imports=("import fs from 'fs';", "const path = require('path');"),
        signatures={"helper": "function helper(a, b)", "twice": "const twice = (n) =>"},
    ),
    Case(
        "typescript",
        "import { x } from './x';\n\ninterface Shape {\n  area(): number;\n}\n"
        "export function helper(a: number): Shape {\n  return null!;\n}\n"
        + filler("//")
        + "export class Widget {\n  render(s: Shape): void {\n    const y = helper(1);\n    ‸\n  }\n}\n",
        scope=("export class Widget", "render(s: Shape): void"),
        imports=("import { x } from './x';",),
        signatures={"helper": "export function helper(a: number): Shape", "Shape": "interface Shape"},
    ),
    Case(
        "go",
        'package main\n\nimport (\n\t"fmt"\n)\n\ntype Point struct {\n\tX int\n}\n\n'
        "func helper(a int) int {\n\treturn a\n}\n\n"
        + filler("//")
        + "func (p *Point) Render(x int) {\n\tq := Point{X: helper(x)}\n\t‸\n}\n",
        scope=("func (p *Point) Render(x int)",),
        imports=("package main", 'import (\n\t"fmt"\n)'),
        signatures={"helper": "func helper(a int) int", "Point": "type Point struct"},
    ),
    Case(
        "rust",
        "use std::io;\n\nstruct Point {\n    x: i32,\n}\n\nfn helper(a: i32) -> i32 {\n    a\n}\n\n"
        + filler("//")
        + "impl Point {\n    fn render(&self) -> i32 {\n        let p = Point { x: helper(1) };\n"
        "        ‸\n    }\n}\n",
        scope=("impl Point", "fn render(&self) -> i32"),
        imports=("use std::io;",),
        signatures={"helper": "fn helper(a: i32) -> i32", "Point": "struct Point"},
    ),
    Case(
        "java",
        "package demo;\n\nimport java.util.List;\n\npublic class Widget {\n"
        "    static int helper(int a) {\n        return a;\n    }\n\n"
        + filler("    //")
        + "    int render(int x) {\n        int y = helper(x);\n        ‸\n    }\n}\n",
        scope=("public class Widget", "int render(int x)"),
        imports=("package demo;", "import java.util.List;"),
        signatures={"helper": "static int helper(int a)"},
    ),
    Case(
        "c",
        "#include <stdio.h>\n\nstruct point {\n    int x;\n};\n\nstatic char *helper(int a)\n{\n"
        "    return 0;\n}\n\nint proto(int y);\n\n"
        + filler("//")
        + "int render(int x) {\n    struct point p; helper(x); proto(1);\n    ‸\n}\n",
        scope=("int render(int x)",),
        imports=("#include <stdio.h>",),
        signatures={
            "helper": "static char *helper(int a)",
            "proto": "int proto(int y);",
            "point": "struct point",
        },
    ),
    Case(
        "cpp",
        "#include <vector>\nusing namespace std;\n\nnamespace geo {\nclass Shape {\n public:\n"
        "  int area(int scale) { return scale; }\n};\n}\n\n"
        + filler("//")
        + "int render(geo::Shape s) {\n  int a = s.area(2);\n  ‸\n}\n",
        scope=("int render(geo::Shape s)",),
        imports=("#include <vector>", "using namespace std;"),
        signatures={"area": "int area(int scale)", "Shape": "class Shape"},
    ),
]
