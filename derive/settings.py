"""How a check runs — draws, seed, tolerance, method, what an unchecked equation means — as one validated value.

The CLI, ``checks.run`` and the file checks all take a ``Settings``; its
defaults are written here once and every report states the values it used.

>>> Settings(draws=0)
Traceback (most recent call last):
...
derive.errors.SpecError: draws (--draws) must be a whole number ≥ 1, got 0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from derive.errors import SpecError

__all__ = ["Settings", "METHODS"]

METHODS = ("auto", "exact", "probabilistic")


def _whole(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


@dataclass(frozen=True)
class Settings:
    """``draws`` random draws for the numeric check, from ``seed``; a claim passes numerically when
    its relative error is at most ``rtol`` (float64). ``method`` decides symbolic equality: exact
    expansion, evaluation modulo a prime (probabilistic), or ``auto`` (exact on small networks).
    An equation of a file left not checked fails the file unless ``allow_unchecked``; a file with no display
    equation at all (prose, a README) fails as nothing checked unless ``allow_empty``."""

    draws: int = 64
    seed: int = 0
    rtol: float = 1e-9
    method: str = "auto"
    allow_unchecked: bool = False
    allow_empty: bool = False

    def __post_init__(self) -> None:
        if not _whole(self.draws, 1):
            raise SpecError(f"draws (--draws) must be a whole number ≥ 1, got {self.draws}")
        if not _whole(self.seed, 0):
            raise SpecError(f"the seed (--seed) must be a whole number ≥ 0, got {self.seed}")
        if isinstance(self.rtol, bool) or not isinstance(self.rtol, (int, float)) \
                or not (self.rtol > 0 and math.isfinite(self.rtol)):
            raise SpecError(f"the relative tolerance (--rtol) must be a positive finite number, got {self.rtol}")
        if self.method not in METHODS:
            raise SpecError(f"unknown method {self.method!r} (known: {', '.join(METHODS)})")
