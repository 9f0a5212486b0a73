"""Terminal escapes: what IPython, rich and GNU ls really write, taken out and nothing else."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from IPython.core.ultratb import AutoFormattedTB

from codepal.text.terminal import strip_escapes

# Recorded from GNU ls 9.1 (`ls --hyperlink=always --color=always`, dircolors' defaults, an executable):
# colour, then an OSC 8 hyperlink ended by BEL.
LS_HYPERLINK = "\x1b[0m\x1b[01;32m\x1b]8;;file://vm/tmp/h11/d/run.sh\x07run.sh\x1b]8;;\x07\x1b[0m\n"
# Recorded from rich 15: OSC 8 with an id, ended by ST (`ESC \`), around bold red text.
RICH_HYPERLINK = ("\x1b]8;id=15198913;file:///tmp/a.py\x1b\\\x1b[1;31ma.py\x1b[0m\x1b]8;;\x1b\\"
                  " line \x1b[1;36m3\x1b[0m\n")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[0;31mNameError\x1b[0m: boom", "NameError: boom"),
        ("\x1b[38;5;241m=\x1b[39m \x1b[38;2;255;0;0mred\x1b[0m", "= red"),  # 256 colours and true colour
        ("\x1b]8;;file:///tmp/a.py\x1b\\a.py\x1b]8;;\x1b\\", "a.py"),  # OSC 8 hyperlink, ST
        (LS_HYPERLINK, "run.sh\n"),  # OSC 8, BEL
        (RICH_HYPERLINK, "a.py line 3\n"),
        ("title\x1b]0;x\x07 done", "title done"),  # window title
        ("\x1b[?25lcursor\x1b[K\x1b[2J\x1b[1;1H", "cursor"),  # private CSI, erase, move
        ("\x1b(Bplain\x1b)0\x1b=\x1b>\x1b7\x1b8\x1bc", "plain"),  # charsets, keypad, save/restore, reset
        ("\x1bPq#0;2;0;0;0#0~~\x1b\\image", "image"),  # DCS (sixel)
        ("\x1b_Gf=100;AAAA\x1b\\ok", "ok"),  # APC (kitty graphics)
        ("cut \x1b]8;;file:///tmp/a.py\nnext line", "cut \nnext line"),  # OSC never ended: to the line's end
        ("cut at the end\x1b", "cut at the end"),
        ("a\tb\r\nc 錯誤 😋 \x85", "a\tb\r\nc 錯誤 😋 \x85"),  # no escape: untouched
    ],
)
def test_strip_escapes(raw: str, clean: str) -> None:
    assert strip_escapes(raw) == clean


def _raise_in_module(path: Path) -> tuple[type[BaseException], BaseException, object]:
    path.write_text("import math\n\n\ndef spread(values):\n    return math.sqrt(sum(values) / len(values))\n")
    spec = importlib.util.spec_from_file_location("codepal_tb_sample", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        module.spread([])
    except ZeroDivisionError:
        etype, value, tb = sys.exc_info()
        assert etype is not None and value is not None
        return etype, value, tb
    raise AssertionError("no error")


@pytest.mark.parametrize("mode", ["Context", "Verbose", "Plain"])
def test_ipython_traceback_loses_its_colours_and_nothing_else(tmp_path: Path, mode: str) -> None:
    """IPython's own colourless rendering of the same error is what stripping its coloured one gives."""
    etype, value, tb = _raise_in_module(tmp_path / "sample.py")
    coloured = "\n".join(AutoFormattedTB(mode=mode, theme_name="linux").structured_traceback(etype, value, tb))
    plain = "\n".join(AutoFormattedTB(mode=mode, theme_name="nocolor").structured_traceback(etype, value, tb))
    assert "\x1b[" in coloured and "\x1b" not in plain
    assert strip_escapes(coloured) == plain
    assert "ZeroDivisionError: division by zero" in plain and "sample.py" in plain


@given(st.text(alphabet=st.sampled_from(["\x1b", "[", "]", "8", ";", "m", "\x07", "\\", "a", "\n", "P"])))
def test_stripping_is_stable_and_leaves_no_escape(text: str) -> None:
    once = strip_escapes(text)
    assert "\x1b" not in once
    assert strip_escapes(once) == once
