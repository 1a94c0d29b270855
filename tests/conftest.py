"""Shared helpers for derive's tests: run a network and index its results by claim id."""

from __future__ import annotations

import pytest

from checks.report import run
from derive.primitives import Activation, activation
from derive.model.backprop import SEED_CLAIMS
from derive.model.network import Network

RTOL = 1e-9


def _check(sizes, claims=SEED_CLAIMS, *, act="generic", m=2, lam=None, engine="symengine", draws=64, seed=0,
           method="auto"):
    act = act if isinstance(act, Activation) else activation(act)
    report = run(Network(tuple(sizes), activation=act, m=m, lam=lam, engine=engine), claims,
                 draws=draws, seed=seed, rtol=RTOL, method=method)
    return report, {r.claim.id: r for r in report.results}


@pytest.fixture(scope="session")
def check():
    """``check(sizes, claims, act=, m=, lam=, engine=)`` -> (report, results keyed by claim id)."""
    return _check


@pytest.fixture(scope="session")
def cached_check():
    """Like ``check`` but memoised under a caller-chosen key, so that one run serves many tests."""
    done: dict = {}

    def cached(key: str, *args, **kwargs):
        if key not in done:
            try:
                done[key] = ("ok", _check(*args, **kwargs))
            except Exception as exc:  # re-raised for every test that asks, not just the first
                done[key] = ("error", exc)
        kind, value = done[key]
        if kind == "error":
            raise value
        return value

    return cached
