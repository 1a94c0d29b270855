"""Run every check on every claim and gather plain results: the Report the renderers format."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from checks.draws import draw
from checks.numeric import check_numeric, evaluators_for
from checks.results import ClaimResult, Report, Status, SymbolicResult
from checks.scope import claim_scope
from checks.symbolic import Canonical, check_symbolic, method_for, modulo_p_together
from derive.model.autodiff import differentiate
from derive.model.backprop import Claim, claims_for
from derive.model.network import Network
from derive.settings import Settings

__all__ = ["run", "PHASES"]

PHASES = ("build", "differentiate", "symbolic check", "evaluate", "numeric check")


@contextmanager
def _timed(timings: dict, phase: str):
    start = time.perf_counter()
    yield
    timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - start


def run(net: Network, claims: tuple[Claim, ...] | None = None, settings: Settings | None = None, *,
        progress: Callable[[str, int, int], None] | None = None, **overrides) -> Report:
    """Check ``claims`` (default: the seed's six on the model of ``net``, derive.model.backprop.claims_for)
    on ``net`` symbolically and numerically, as ``settings`` say.

    ``overrides`` (draws=, seed=, rtol=, method=) replace single settings, validated the same way.
    ``progress(what, done, total)``, if given, hears how many claim entries are done after each
    step. Raises SpecError for a bad setting, ClaimError for a formula that cannot be evaluated.

    >>> run(Network((2, 2)), draws=8).passed
    True
    """
    settings = replace(settings or Settings(), **overrides)
    claims = claims_for(net) if claims is None else claims
    timings: dict = {}
    sizes = [sum(1 for _ in c.quantity.entries(net.sizes)) for c in claims]
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
        together = modulo_p_together(claims, d, settings.seed) \
            if method_for(settings.method, net) == "probabilistic" else None
        for c, n in zip(claims, sizes):
            say(f"symbolic check · {c.id}", done, total)
            symbolic.append(_everywhere(c, net, check_symbolic(c, d, canon, settings.seed, settings.method, together),
                                        settings.seed))
            done += n
    evaluators = evaluators_for(d, draw(net, settings.draws, settings.seed))
    with _timed(timings, "evaluate"):
        for ev in evaluators:
            say(f"evaluate · {ev.act.name}", done, total)
            ev.prepare()
    numeric = []
    with _timed(timings, "numeric check"), np.errstate(all="ignore"):  # an inf or NaN is a result, not a warning
        for c, n in zip(claims, sizes):
            say(f"numeric check · {c.id}", done, total)
            numeric.append(check_numeric(c, evaluators, settings.rtol))
            done += n
    say("done", total, total)
    results = tuple(ClaimResult(c, s, n) for c, s, n in zip(claims, symbolic, numeric))
    return Report(net, settings, results, tuple(ev.act.name for ev in evaluators), timings)


def _everywhere(claim: Claim, net: Network, result: SymbolicResult, seed: int) -> SymbolicResult:
    """A claim proved on ``net``, then on its windows at every width of its grid (checks.scope)."""
    if result.status is not Status.PROVED:
        return result
    scope, verdict = claim_scope(claim, net, seed)
    if verdict is None:
        return replace(result, scope=scope)
    return replace(result, status=verdict.status, failure=verdict.failure, note="on the grid of widths and depths")
