"""``%load_ext derive`` in IPython and Jupyter: the ``%%derive`` cell magic and reports shown as Markdown.

``%%derive [options]`` checks the cell's display equations as ``derive check FILE`` checks a file's, and
returns the ``FileReport``, which the notebook shows as display math under each row's status;
``%derive FILE [options]`` checks a file (Markdown, LaTeX or a notebook). The options are derive check's,
read as it reads them, with the project's ``[tool.derive]`` under them (``--sizes 2,3,2 --activation tanh
--allow-unchecked``); a bad one prints derive's one-line ``derive: error: …``, and the magic returns nothing.
Nothing here imports IPython: the shell is handed in.
"""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING

from derive.errors import DeriveError, SpecError, one_line

if TYPE_CHECKING:
    from checks.results import FileReport

__all__ = ["load_ipython_extension", "derive_magic", "CELL"]

CELL = "cell"  # the path a cell's report names: its rows are at cell:LINE, the %%derive line being line 1


def load_ipython_extension(ipython) -> None:
    """Register ``%derive``/``%%derive`` with the IPython shell ``ipython``, and let reports show themselves
    as Markdown (importing derive.render.notebook registers it with checks.results)."""
    import derive.render.notebook  # noqa: F401  (registers how reports show themselves)

    ipython.register_magic_function(derive_magic, magic_kind="line_cell", magic_name="derive")


def derive_magic(line: str, cell: str | None = None) -> FileReport | None:
    """``%%derive [options]``: the FileReport on the cell's text; ``%derive FILE [options]``: on the file.
    On bad input: derive's one-line error on stderr and None (no traceback)."""
    try:
        return _check(line, cell)
    except DeriveError as exc:
        print(f"derive: error: {one_line(str(exc))}", file=sys.stderr)
    except SystemExit:  # --help has been printed
        pass
    return None


def _check(line: str, cell: str | None) -> FileReport:
    from derive.testing import Checker

    try:
        words = shlex.split(line)
    except ValueError as exc:  # an unclosed quote
        raise SpecError(f"cannot read the options {line.strip()!r}: {exc}") from None
    checker, files = Checker.read(words)  # as `derive check` reads them, [tool.derive] included
    if len(files) != (cell is None):
        raise SpecError("%derive takes one FILE to check; %%derive checks its cell and takes no FILE")
    if cell is None:
        return checker.check(files[0])
    from derive.reader.origins import Span
    from derive.reader.sources import Source

    shifted = Source(CELL, cell, (Span(1, CELL, 2),))  # the cell's line 1 is the %%derive line: say lines as shown
    return checker.check_text(cell, CELL).placed(shifted)
