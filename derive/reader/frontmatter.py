"""The ``derive:`` block of a Markdown file's front matter: the model the file declares.

    ---
    title: Backpropagation in Nielsen's notation
    derive:
      activation: tanh
      convention: nielsen
      sizes: 2,3,2
    ---

Only this block is read (a line-based subset of YAML: ``key: value`` pairs indented under
``derive:``), so no YAML parser runs on a user's text. An unknown key or a value that is not a
plain word or list of numbers is a one-line error naming it.

The block sets the file's model, and only that: what applies to a whole run (draws, seed, rtol,
lambda, engine, format, allow-unchecked, paths) is refused with a line saying where it belongs,
the command line or ``[tool.derive]`` (derive.config). A file cannot loosen its own check (its
tolerance, its unchecked rows; the author's marker for a block is ``derive: skip``), and λ stays
symbolic in a file, so that a pass holds for every λ. Each key is taken from the command line
first, then from this block, then from ``[tool.derive]``, then derive's default.
"""

from __future__ import annotations

import re

from derive.errors import SpecError

__all__ = ["declared", "KEYS", "RUN_KEYS"]

KEYS = ("activation", "convention", "sizes", "samples", "loss", "output")
RUN_KEYS = ("draws", "seed", "rtol", "lambda", "engine", "format", "allow-unchecked", "paths")
_PAIR = re.compile(r"^[ \t]+([A-Za-z_][A-Za-z0-9_\-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")
_VALUE = re.compile(r"^\[?[A-Za-z0-9_\-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_\-]+)*\]?$")


def declared(text: str) -> dict[str, str]:
    """The ``derive:`` keys of the front matter that opens ``text`` (empty when there is none)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    try:
        end = next(n for n, line in enumerate(lines[1:], 1) if line.strip() in ("---", "..."))
    except StopIteration:
        return {}
    block = lines[1:end]
    start = next((n for n, line in enumerate(block) if re.match(r"^derive[ \t]*:[ \t]*$", line)), None)
    if start is None:
        return {}
    found: dict[str, str] = {}
    for offset, line in enumerate(block[start + 1:], start + 3):
        if not line.strip():
            continue
        pair = _PAIR.match(line)
        if pair is None:
            break  # the next top-level key: the block has ended
        key, value = pair.groups()
        if key in RUN_KEYS or key.replace("_", "-") in RUN_KEYS:
            raise SpecError(f"front matter line {offset}: {key} applies to a whole run, not to one file: give it on "
                            "the command line or in [tool.derive] of pyproject.toml")
        if key not in KEYS:
            raise SpecError(f"front matter line {offset}: unknown derive key {key!r} (known: {', '.join(KEYS)})")
        if not _VALUE.match(value):
            raise SpecError(f"front matter line {offset}: {key} must be a word or numbers, got {value!r}")
        found[key] = value.strip("[]").replace(" ", "")
    return found
