"""Reading a derivation file: its bytes as text, or a one-line reason why not."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from derive.errors import ReadError

__all__ = ["MAX_BYTES", "SUFFIXES", "read_text", "derivations_in"]

MAX_BYTES = 2 * 1024 * 1024
SUFFIXES = (".md", ".tex", ".ipynb")  # the derivations a folder holds: Markdown, LaTeX, Jupyter notebooks
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_text(path: str | Path) -> str:
    """Read a text file of at most MAX_BYTES: UTF-8, or UTF-16 where a byte-order mark says so; any line
    endings (\\n, \\r\\n, a lone \\r) come back as \\n, so line numbers are the editor's.

    Raises ReadError with a one-line message for a missing, unreadable, binary or too large file.

    >>> read_text("/nonexistent/post.md")
    Traceback (most recent call last):
    ...
    derive.errors.ReadError: /nonexistent/post.md: no such file
    """
    p = Path(path)
    try:
        info = p.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ReadError(f"{p}: is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(f"{p}: not a regular file")
        with p.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ReadError(f"{p}: no such file") from None
    except OSError as e:
        raise ReadError(f"{p}: cannot read ({e.strerror or e})") from None
    if (size := max(info.st_size, len(data))) > MAX_BYTES:
        raise ReadError(f"{p}: file too large: {size / 2**20:.1f} MB (limit {MAX_BYTES // 2**20} MB)")
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    if encoding == "utf-8" and b"\0" in data:
        raise ReadError(f"{p}: binary file (contains NUL bytes)")
    try:
        text = data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise ReadError(f"{p}: not {encoding.upper()} text (invalid byte at offset {e.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # Windows and old Mac line endings


def derivations_in(folder: Path) -> list[Path]:
    """The .md, .tex and .ipynb files under ``folder``, in name order, its hidden folders (.git,
    .ipynb_checkpoints, .venv) left out: what ``derive check FOLDER`` and ``[tool.derive] paths`` check."""
    found: list[Path] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / n for n in sorted(names) if Path(n).suffix.lower() in SUFFIXES]
    return found
