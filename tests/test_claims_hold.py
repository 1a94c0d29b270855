"""Every claim of the seed holds: proved symbolically and passed numerically, on many networks.

One run of ``checks.report.run`` per network serves the six claim tests (cached by
case id); each test asserts one claim, and its id names the network and the claim,
so a failure names the claim that broke.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pytest
import sympy

from checks.draws import draw
from checks.numeric import Evaluator
from checks.symbolic import check_symbolic
from derive.model.autodiff import differentiate
from derive.model.backprop import SEED_CLAIMS, replace_claim
from derive.model.network import Network
from derive.primitives import activation, concrete

RTOL = 1e-9


@dataclass(frozen=True)
class Case:
    id: str
    sizes: tuple
    act: str = "generic"
    m: int = 2
    lam: object = None


CASES = [
    Case("2-3-2", (2, 3, 2)),
    Case("2-3-3-2", (2, 3, 3, 2)),
    Case("3-4-4-2,m=3", (3, 4, 4, 2), m=3),
    Case("2-3-3-3-3-2", (2, 3, 3, 3, 3, 2)),  # four hidden layers: the recurrence three times
    *(Case(f"2-3-3-2,{a}", (2, 3, 3, 2), act=a) for a in ("sigmoid", "tanh", "softplus", "identity")),
    Case("2-3-3-2,lam=1/2", (2, 3, 3, 2), lam=Fraction(1, 2)),
    Case("2-3-3-2,lam=0.5", (2, 3, 3, 2), lam=0.5),
    Case("2-3-3-2,lam=0", (2, 3, 3, 2), lam=0),
    Case("2-3-2,sigmoid,lam=0", (2, 3, 2), act="sigmoid", lam=0),
]
IDS = [c.id for c in CASES]


def _result(cached_check, case: Case, claim_id: str):
    report, results = cached_check(case.id, case.sizes, act=case.act, m=case.m, lam=case.lam)
    expected = concrete() if case.act == "generic" else (activation(case.act),)
    assert report.activations == tuple(a.name for a in expected)
    assert [r.claim.id for r in report.results] == [c.id for c in SEED_CLAIMS]
    return results[claim_id]


def _assert_holds(result, sizes):
    claim = result.claim
    sym, num = result.symbolic, result.numeric
    assert sym.status == "proved", (claim.id, sym.status, sym.failure, sym.note)
    assert sym.failure is None
    assert sym.entries == len(list(claim.quantity.entries(sizes))) > 0
    assert num.status == "passed", (claim.id, num.max_rel_error, num.worst, num.reason)
    assert np.isfinite(num.max_rel_error) and num.max_rel_error <= RTOL
    assert result.passed


@pytest.mark.parametrize("claim_id", [c.id for c in SEED_CLAIMS])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_seed_claim_holds(cached_check, case, claim_id):
    _assert_holds(_result(cached_check, case, claim_id), case.sizes)


@pytest.mark.parametrize("lam", [Fraction(1, 2), 0.5, 0], ids=["lam=1/2", "lam=0.5", "lam=0"])
def test_every_claim_is_proved_symbolically_with_a_fixed_lambda(lam):
    # the symbolic half on its own, so that a numeric-side failure with fixed λ does not hide it
    d = differentiate(Network((2, 3, 3, 2), lam=lam))
    assert [check_symbolic(c, d).status for c in SEED_CLAIMS] == ["proved"] * len(SEED_CLAIMS)


def _without_decay(v, l, i, j):
    return sum(v.dJ_dW[k][l][i, j] for k in v.samples) / v.m


def test_full_weight_gradient_without_decay_term_holds_only_when_lambda_is_zero(check):
    claims = replace_claim(SEED_CLAIMS, "grad_W", _without_decay)
    _, zero = check((2, 3, 2), claims, lam=0)
    assert zero["grad_W"].symbolic.status == "proved"
    assert zero["grad_W"].numeric.status == "passed"
    _, half = check((2, 3, 2), claims, lam=Fraction(1, 2))
    assert half["grad_W"].symbolic.status == "refuted"
    assert half["grad_W"].numeric.status == "failed"


def test_sympy_and_symengine_agree_on_every_claim(check):
    sizes = (2, 3, 2)
    _, fast = check(sizes, engine="symengine")
    _, slow = check(sizes, engine="sympy")
    for claim in SEED_CLAIMS:
        for results in (fast, slow):
            _assert_holds(results[claim.id], sizes)
        assert fast[claim.id].symbolic.entries == slow[claim.id].symbolic.entries
        assert fast[claim.id].numeric.max_rel_error == pytest.approx(slow[claim.id].numeric.max_rel_error, abs=1e-12)


def test_sympy_and_symengine_differentiate_to_the_same_expressions_and_values():
    sizes = (2, 2, 2)
    fast = differentiate(Network(sizes, engine="symengine"))
    slow = differentiate(Network(sizes, engine="sympy"))
    to_sympy = fast.net.eng.to_sympy
    pairs = [(fast.within[l][l][i], slow.within[l][l][i]) for l in slow.within for i in slow.within[l][l]]
    pairs += [(fast.at[None]["W"][l][k], slow.at[None]["W"][l][k]) for l in slow.at[None]["W"]
              for k in slow.at[None]["W"][l]]
    pairs += [(fast.full["b"][l][i], slow.full["b"][l][i]) for l in slow.full["b"] for i in slow.full["b"][l]]
    for f_expr, s_expr in pairs:
        assert sympy.expand(to_sympy(f_expr) - s_expr) == 0
    draws = draw(fast.net, 16, seed=3)
    for act in concrete():
        a = Evaluator(fast, act, draws)
        b = Evaluator(slow, act, draws)
        assert a.uncut.keys() == b.uncut.keys()
        for key in a.uncut:
            np.testing.assert_allclose(a.uncut[key], b.uncut[key], rtol=1e-12, atol=1e-14, err_msg=str((act.name, key)))
        for key in a.full_values:
            np.testing.assert_allclose(a.full_values[key], b.full_values[key], rtol=1e-12, atol=1e-14,
                                       err_msg=str((act.name, key)))
