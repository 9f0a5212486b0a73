"""Which files context collection may read: regular files inside a workspace folder (after resolving
symlinks), not ignored by `.gitignore`/`.codepalignore`, not under `.git`, not too large.

Every read of a file the editor has not sent us goes through `Workspace.read_text`, and the documents
the editor has open reach a prompt as context only through `Workspace.confine`.
`.codepalignore` uses gitignore syntax and only adds exclusions: it cannot re-include a file that a
`.gitignore` excludes. Ignore files are honoured in every directory from the folder root down.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

from pathspec import GitIgnoreSpec

from codepal.types import OpenDocument

MAX_FILE_BYTES = 1024 * 1024
IGNORE_FILES = (".gitignore", ".codepalignore")


class Workspace:
    def __init__(self, folders: Sequence[Path], max_file_bytes: int = MAX_FILE_BYTES) -> None:
        roots = []
        for folder in folders:
            try:
                roots.append(Path(folder).resolve(strict=True))
            except OSError:
                continue  # a folder that does not exist grants nothing
        # Deepest first, so a nested workspace folder's own ignore files apply to its files.
        self.folders: tuple[Path, ...] = tuple(sorted(set(roots), key=lambda p: len(p.parts), reverse=True))
        self.max_file_bytes = max_file_bytes
        self._specs: dict[Path, tuple[int, GitIgnoreSpec | None]] = {}

    def _folder_of(self, path: Path) -> Path | None:
        for folder in self.folders:
            if path == folder or path.is_relative_to(folder):
                return folder
        return None

    def _spec(self, ignore_file: Path) -> GitIgnoreSpec | None:
        """The parsed ignore file, re-read when its modification time changes."""
        try:
            mtime = ignore_file.stat().st_mtime_ns
        except OSError:
            self._specs.pop(ignore_file, None)
            return None
        cached = self._specs.get(ignore_file)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        try:
            lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
        spec = GitIgnoreSpec.from_lines(lines) if lines else None
        self._specs[ignore_file] = (mtime, spec)
        return spec

    def _ignored(self, folder: Path, relative: Path) -> bool:
        parts = relative.parts
        if ".git" in parts:
            return True
        # An excluded directory cannot have files re-included below it (git's rule), so each ancestor
        # directory is checked before the file itself.
        return any(
            self._excluded(folder, parts[:depth], depth < len(parts), name)
            for name in IGNORE_FILES
            for depth in range(1, len(parts) + 1)
        )

    def _excluded(self, folder: Path, parts: tuple[str, ...], is_dir: bool, name: str) -> bool:
        """Whether the `name` ignore files from the folder root down to the parent of `parts` exclude
        it; a deeper file's matching pattern overrides a shallower one's."""
        verdict = False
        for base in range(len(parts)):
            spec = self._spec(folder.joinpath(*parts[:base], name))
            if spec is None:
                continue
            result = spec.check_file("/".join(parts[base:]) + ("/" if is_dir else ""))
            if result.include is not None:
                verdict = result.include
        return verdict

    def _check(self, path: Path) -> os.stat_result | None:
        """The stat of the file `path` names if it may be read, else None."""
        try:
            lexical = Path(os.path.abspath(path))
            real = lexical.resolve(strict=True)
            info = real.stat()
        except (OSError, RuntimeError, ValueError):
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_size > self.max_file_bytes:
            return None
        folder = self._folder_of(real)
        if folder is None or self._ignored(folder, real.relative_to(folder)):
            return None
        # The name the caller used must not be ignored either (a link in an ignored directory).
        lexical_folder = self._folder_of(lexical)
        if lexical_folder is not None and self._ignored(lexical_folder, lexical.relative_to(lexical_folder)):
            return None
        return info

    def confine(self, documents: Iterable[OpenDocument], limit: int | None = None) -> tuple[OpenDocument, ...]:
        """The first `limit` open documents that may serve as context: those whose file this workspace
        allows. A document with no file (an unsaved buffer) or outside every folder is left out."""
        kept: list[OpenDocument] = []
        for doc in documents:
            if limit is not None and len(kept) >= limit:
                break
            path = uri_path(doc.uri)
            if path is not None and self.allows(path):
                kept.append(doc)
        return tuple(kept)

    def allows(self, path: Path | str) -> bool:
        """True if context collection may read `path`."""
        return self._check(Path(path)) is not None

    def read_text(self, path: Path | str) -> str | None:
        """The file's text, or None if it may not be read, changed under us, or is not UTF-8 text."""
        info = self._check(Path(path))
        if info is None:
            return None
        real = Path(path).resolve()
        try:
            fd = os.open(real, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            opened = os.fstat(handle.fileno())
            # Refuse if the file was swapped between the check and the open (symlink race).
            if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                return None
            data = handle.read(self.max_file_bytes + 1)
        if len(data) > self.max_file_bytes or b"\0" in data:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None


def uri_path(uri: str) -> Path | None:
    """The local file a document URI names: `file:`, or a notebook cell's notebook file."""
    parsed = urlparse(uri)
    if parsed.scheme in ("file", "vscode-notebook-cell") and parsed.path.startswith("/"):
        return Path(unquote(parsed.path))
    return None
