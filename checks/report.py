"""Run every check on every claim and gather plain results: the Report the renderers format."""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

from checks.numeric import DEFAULTS, NumericResult, check_numeric, draw, evaluators_for
from checks.symbolic import METHODS, Canonical, SymbolicResult, check_symbolic
from derive.autodiff import differentiate
from derive.backprop import SEED_CLAIMS, Claim, entries
from derive.errors import SpecError
from derive.network import Network

__all__ = ["ClaimResult", "Report", "run", "PHASES"]

PHASES = ("build", "differentiate", "symbolic check", "lambdify", "numeric check")


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    symbolic: SymbolicResult
    numeric: NumericResult

    @property
    def passed(self) -> bool:
        return self.symbolic.passed and self.numeric.passed


@dataclass(frozen=True)
class Report:
    """What was checked (network, seed, tolerance) and one result per claim."""

    net: Network
    seed: int
    rtol: float
    draws: int
    results: tuple[ClaimResult, ...]
    activations: tuple[str, ...]  # the concrete activations the numeric check ran with
    timings: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


@contextmanager
def _timed(timings: dict, phase: str):
    start = time.perf_counter()
    yield
    timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - start


def run(net: Network, claims: tuple[Claim, ...] = SEED_CLAIMS, *, draws: int = DEFAULTS["draws"],
        seed: int = DEFAULTS["seed"], rtol: float = DEFAULTS["rtol"], method: str = "auto",
        progress: Callable[[str, int, int], None] | None = None) -> Report:
    """Check ``claims`` on ``net`` symbolically and numerically.

    ``progress(what, done, total)``, if given, hears how many claim entries are
    done after each step. Raises SpecError for a bad draw count or tolerance,
    ClaimError for a formula that cannot be evaluated.

    >>> run(Network((2, 2))).passed
    True
    """
    if not isinstance(draws, int) or draws < 1:
        raise SpecError(f"the number of draws must be a whole number ≥ 1, got {draws}")
    if not (rtol > 0 and math.isfinite(rtol)):
        raise SpecError(f"the relative tolerance must be a positive finite number, got {rtol}")
    if method not in METHODS:
        raise SpecError(f"unknown method {method!r} (known: {', '.join(METHODS)})")
    if not isinstance(seed, int) or seed < 0:
        raise SpecError(f"the seed must be a whole number ≥ 0, got {seed}")
    timings: dict = {}
    sizes = [sum(1 for _ in entries(c.lhs, net.sizes)) for c in claims]
    total = 2 * sum(sizes) + 1
    say = progress or (lambda what, done, total: None)
    say("differentiate", 0, total)
    with _timed(timings, "build"):
        net.parameters, net.x(), net.y()
    with _timed(timings, "differentiate"):
        d = differentiate(net)
    canon = Canonical(net.eng, net.activation)
    symbolic, done = [], 0
    with _timed(timings, "symbolic check"):
        for c, n in zip(claims, sizes):
            say(f"symbolic check · {c.id}", done, total)
            symbolic.append(check_symbolic(c, d, canon, seed, method))
            done += n
    evaluators = evaluators_for(d, draw(net, draws, seed))
    with _timed(timings, "lambdify"):
        for ev in evaluators:
            say(f"lambdify · {ev.act.name}", done, total)
            ev.prepare()
    numeric = []
    with _timed(timings, "numeric check"):
        for c, n in zip(claims, sizes):
            say(f"numeric check · {c.id}", done, total)
            numeric.append(check_numeric(c, evaluators, rtol))
            done += n
    say("done", total, total)
    results = tuple(ClaimResult(c, s, n) for c, s, n in zip(claims, symbolic, numeric))
    return Report(net, seed, rtol, draws, results, tuple(ev.act.name for ev in evaluators), timings)
