"""``%load_ext derive`` in IPython and Jupyter: the ``%%derive`` cell magic and reports shown as Markdown.

``%%derive [options]`` checks the cell's display equations as ``derive check FILE`` checks a file's, and
returns the ``FileReport``, which the notebook shows as display math under each row's status;
``%derive FILE [options]`` checks a file (Markdown, LaTeX or a notebook). The options are derive check's
(``--sizes 2,3,2 --activation tanh --loss … --allow-unchecked``); a bad one prints derive's one-line
``derive: error: …``, and the magic returns nothing. Nothing here imports IPython: the shell is handed in.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import TYPE_CHECKING

from derive.arguments import negatives
from derive.config import file_model
from derive.errors import DeriveError, SpecError, one_line
from derive.options import networks, refuse_if_too_large, settings_of, spec_of

if TYPE_CHECKING:
    from checks.results import FileReport

__all__ = ["load_ipython_extension", "derive_magic", "CELL"]

CELL = "cell"  # the path a cell's report names: its rows are at cell:LINE, the %%derive line being line 1


def load_ipython_extension(ipython) -> None:
    """Register ``%derive``/``%%derive`` with the IPython shell ``ipython``, and let reports show themselves
    as Markdown (importing derive.render.notebook registers it with checks.results)."""
    import derive.render.notebook  # noqa: F401  (registers how reports show themselves)

    ipython.register_magic_function(derive_magic, magic_kind="line_cell", magic_name="derive")


def _parser() -> argparse.ArgumentParser:
    from derive.cli import _add_network_options, _Parser
    from derive.meaning.conventions import CONVENTIONS

    p = _Parser(prog="%%derive", add_help=True, description="Check the cell's display equations (%%derive) "
                "or a file's (%derive FILE), as `derive check FILE` does.")
    p.add_argument("file", nargs="?", metavar="FILE", help="with %%derive (the line magic): the file to check")
    _add_network_options(p)
    p.add_argument("--allow-unchecked", action="store_true",
                   help="pass even if equations are left not checked (they stay listed so)")
    p.add_argument("--convention", metavar="|".join(c.key for c in CONVENTIONS),
                   help="the notation the cell is written in (default: read from its forward pass)")
    return p


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
    from checks.derivation import DEFAULT_SIZES, check_file, check_text

    try:
        words = shlex.split(line)
    except ValueError as exc:  # an unclosed quote
        raise SpecError(f"cannot read the options {line.strip()!r}: {exc}") from None
    args = _parser().parse_args(negatives(words))
    if (cell is None) == (args.file is None):
        raise SpecError("%derive takes one FILE to check; %%derive checks its cell and takes no FILE")
    if args.method == "probabilistic":  # as derive check FILE: a file's steps are decided exactly
        raise SpecError("--probabilistic applies to the seed's claims; a cell's equations are decided exactly")
    settings, spec = settings_of(args), spec_of(args)
    given, _ = file_model(args, spec)  # what the magic's line fixes of the model, over the cell's front matter
    nets = networks(spec, DEFAULT_SIZES)
    refuse_if_too_large(nets, settings, args.force, files=1)
    if cell is None:
        return check_file(args.file, nets, settings, given=given)
    from derive.reader.origins import Span
    from derive.reader.sources import Source

    shifted = Source(CELL, cell, (Span(1, CELL, 2),))  # the cell's line 1 is the %%derive line: say lines as shown
    return check_text(cell, CELL, nets, settings, given=given).placed(shifted)
