from __future__ import annotations

import os
from pathlib import Path

import pytest

from codepal.complete.workspace import Workspace

CANARY = "CANARY-SECRET-7f3a"


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace folder and, beside it, a canary file that must never be read."""
    root = tmp_path / "ws"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "app.py").write_text("import os\n")
    (root / "src" / "pkg" / "util.py").write_text("def f(): ...\n")
    canary = tmp_path / "outside" / "secret.txt"
    canary.parent.mkdir()
    canary.write_text(CANARY)
    return root, canary


def test_reads_a_plain_file(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    ws = Workspace([root])
    assert ws.allows(root / "src" / "app.py")
    assert ws.read_text(root / "src" / "app.py") == "import os\n"
    assert ws.read_text(str(root / "src" / "pkg" / "util.py")) == "def f(): ...\n"


def test_refuses_the_canary_outside_and_a_symlink_to_it(tree: tuple[Path, Path]) -> None:
    root, canary = tree
    link = root / "src" / "innocent.py"
    link.symlink_to(canary)
    (root / "linked_dir").symlink_to(canary.parent, target_is_directory=True)
    ws = Workspace([root])
    for path in (canary, link, root / "linked_dir" / "secret.txt", root / "src" / ".." / ".." / "outside"):
        assert not ws.allows(path)
        assert ws.read_text(path) is None
    assert not ws.allows(root / "src" / ".." / ".." / "outside" / "secret.txt")


def test_symlink_inside_the_workspace_is_followed(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    (root / "alias.py").symlink_to(root / "src" / "app.py")
    assert Workspace([root]).read_text(root / "alias.py") == "import os\n"


def test_gitignore_and_codepalignore(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    (root / ".gitignore").write_text("*.env\nbuild/\n!keep.env\n")
    (root / ".codepalignore").write_text("src/pkg/\n")
    (root / "src" / ".gitignore").write_text("local_*.py\n")
    for name in ("prod.env", "keep.env", "build/out.py", "src/local_x.py", "src/ok.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    ws = Workspace([root])
    assert not ws.allows(root / "prod.env")
    assert ws.allows(root / "keep.env")
    assert not ws.allows(root / "build" / "out.py")
    assert not ws.allows(root / "src" / "local_x.py")  # nested .gitignore
    assert not ws.allows(root / "src" / "pkg" / "util.py")  # .codepalignore
    assert ws.allows(root / "src" / "ok.py")


def test_codepalignore_cannot_reinclude(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    (root / ".gitignore").write_text("secrets/\n")
    (root / ".codepalignore").write_text("!secrets/\n!secrets/key.py\n")
    (root / "secrets").mkdir()
    (root / "secrets" / "key.py").write_text("KEY = 1")
    (root / "secrets" / ".gitignore").write_text("!key.py\n")  # git never reads this: its dir is excluded
    assert not Workspace([root]).allows(root / "secrets" / "key.py")


def test_link_from_an_ignored_directory_is_refused(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    (root / ".gitignore").write_text("private/\n")
    (root / "private").mkdir()
    (root / "private" / "app.py").symlink_to(root / "src" / "app.py")
    assert not Workspace([root]).allows(root / "private" / "app.py")


def test_ignore_file_changes_are_picked_up(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    ws = Workspace([root])
    target = root / "src" / "app.py"
    assert ws.allows(target)
    (root / ".gitignore").write_text("app.py\n")
    os.utime(root / ".gitignore", ns=(1, 1))  # a different mtime even on coarse-grained filesystems
    assert not ws.allows(target)


def test_git_dir_large_binary_and_non_regular(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]")
    (root / "big.py").write_bytes(b"x" * (1024 * 1024 + 1))
    (root / "edge.py").write_bytes(b"x" * (1024 * 1024))
    (root / "blob.bin").write_bytes(b"\x00\x01")
    (root / "latin.py").write_bytes("café".encode("latin-1"))
    os.mkfifo(root / "pipe")
    ws = Workspace([root])
    assert not ws.allows(root / ".git" / "config")
    assert not ws.allows(root / "big.py")
    assert ws.allows(root / "edge.py")
    assert not ws.allows(root / "pipe")
    assert not ws.allows(root / "src")  # a directory
    assert not ws.allows(root / "missing.py")
    assert ws.read_text(root / "blob.bin") is None
    assert ws.read_text(root / "latin.py") is None


def test_multiple_and_missing_folders(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x.py").write_text("1")
    (b / "y.py").write_text("2")
    (tmp_path / "z.py").write_text("3")
    ws = Workspace([a, b, tmp_path / "nope"])
    assert ws.allows(a / "x.py") and ws.allows(b / "y.py")
    assert not ws.allows(tmp_path / "z.py")
    assert not Workspace([]).allows(a / "x.py")


def test_confine_keeps_allowed_open_documents_up_to_the_limit(tree: tuple[Path, Path]) -> None:
    from codepal.types import OpenDocument

    root, canary = tree
    (root / ".codepalignore").write_text("src/pkg/\n")
    docs = [OpenDocument(uri, "text", "python") for uri in (
        canary.as_uri(), "untitled:Untitled-1", (root / "src" / "pkg" / "util.py").as_uri(),
        (root / "src" / "app.py").as_uri(), "vscode-notebook-cell:" + str(root / "src" / "app.py") + "#W0",
        (root / "src" / "app.py").as_uri().replace("app.py", "%61pp.py"))]
    ws = Workspace([root])
    assert [d.uri for d in ws.confine(docs)] == [d.uri for d in docs[3:]]
    assert [d.uri for d in ws.confine(docs, limit=1)] == [docs[3].uri]
    assert Workspace([]).confine(docs) == ()
