"""checks: compare the hand-derived claims with the automatic derivatives and return plain results, never printing.

expressions → results: ``symbolic`` and ``identity`` decide equality exactly or modulo a prime,
``numeric`` compares on random draws, ``report`` runs the seed's claims, ``derivation`` a file's
equations; ``results`` holds the data they all return.
"""

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

__all__ = ["run", "check_file", "check_text", "check_symbolic", "check_numeric", "Status", "Failure", "Report",
           "ClaimResult", "SymbolicResult", "NumericResult", "FileReport", "StepResult", "FileSummary"]
