"""checks: compare the hand-derived claims with the automatic derivatives and report, without printing."""

from checks.numeric import DEFAULTS, NumericResult, check_numeric
from checks.report import ClaimResult, Report, run
from checks.symbolic import SymbolicResult, check_symbolic

__all__ = ["DEFAULTS", "run", "Report", "ClaimResult", "SymbolicResult", "NumericResult", "check_symbolic",
           "check_numeric"]
