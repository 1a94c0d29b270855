"""checks: compare the hand-derived claims with the automatic derivatives and return plain results, never printing.

expressions → results: ``symbolic`` and ``identity`` decide equality exactly or modulo a prime,
``numeric`` compares on random draws, ``report`` runs the seed's claims, ``derivation`` a file's
equations; ``results`` holds the data they all return.
"""

import sys
from importlib import import_module
from typing import TYPE_CHECKING

if "IPython" in sys.modules:  # in Jupyter or IPython, reports show themselves as Markdown without %load_ext
    import derive.render.notebook  # noqa: F401  (it registers with checks.results when imported)

if TYPE_CHECKING:
    from checks.derivation import check_file, check_text
    from checks.numeric import check_numeric
    from checks.report import run
    from checks.results import (
                                ClaimResult,
                                Failure,
                                FileReport,
                                FileSummary,
                                NumericResult,
                                Report,
                                Status,
                                StepResult,
                                SymbolicResult,
    )
    from checks.symbolic import check_symbolic

_HOME = {"run": "report", "check_file": "derivation", "check_text": "derivation", "check_symbolic": "symbolic",
         "check_numeric": "numeric"}


def __getattr__(name: str):
    """Each name from its module on first use: ``derive check`` with no file never imports the file checks."""
    if name in _HOME:
        return getattr(import_module(f"checks.{_HOME[name]}"), name)
    if name in __all__:
        return getattr(import_module("checks.results"), name)
    raise AttributeError(f"module 'checks' has no attribute {name!r}")


__all__ = ["run", "check_file", "check_text", "check_symbolic", "check_numeric", "Status", "Failure", "Report",
           "ClaimResult", "SymbolicResult", "NumericResult", "FileReport", "StepResult", "FileSummary"]
