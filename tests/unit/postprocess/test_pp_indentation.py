"""Filter 4: indentation in the editor's style, relative to the cursor line."""

from __future__ import annotations

from codepal.complete.postprocess import Context, make_context
from codepal.complete.postprocess.indentation import normalize_indentation


def at(doc: str, language: str = "python", tab_size: int = 4, insert_spaces: bool = True) -> Context:
    prefix, suffix = doc.split("█")
    return make_context(prefix, suffix, language, tab_size=tab_size, insert_spaces=insert_spaces)


def test_restated_cursor_indentation_is_removed() -> None:
    assert normalize_indentation(at("def f():\n    █"), "    return 1") == "return 1"


def test_indentation_after_a_cursor_at_column_zero_is_kept() -> None:
    assert normalize_indentation(at("def f():\n█"), "    return 1") == "    return 1"


def test_later_lines_keep_their_column_in_the_editors_style() -> None:
    tabs = at("def f(xs):\n\t█", tab_size=4, insert_spaces=False)
    assert normalize_indentation(tabs, "for x in xs:\n        print(x)\n    return 1") == (
        "for x in xs:\n\t\tprint(x)\n\treturn 1"
    )
    spaces = at("def f(xs):\n    █", tab_size=4)
    assert normalize_indentation(spaces, "for x in xs:\n\t\tprint(x)") == "for x in xs:\n        print(x)"


def test_odd_widths_with_tabs_keep_the_remainder_as_spaces() -> None:
    tabs = at("f(\n\t█", language="c", tab_size=4, insert_spaces=False)
    assert normalize_indentation(tabs, "a,\n      b") == "a,\n\t  b"


def test_mid_line_first_line_is_untouched() -> None:
    assert normalize_indentation(at("x = █"), "  5") == "  5"


def test_lines_inside_a_multiline_string_are_content() -> None:
    doc = at('def f():\n    █')
    raw = 'x = """\n\tkeep\tthis\n"""\n\treturn x'
    assert normalize_indentation(doc, raw) == 'x = """\n\tkeep\tthis\n"""\n    return x'


def test_whitespace_only_lines_become_empty() -> None:
    assert normalize_indentation(at("def f():\n    █"), "a = 1\n        \n    b = 2") == "a = 1\n\n    b = 2"
