"""Plausible wrong derivations must be caught: refuted exactly, failed numerically, at the right claim.

Each mutation replaces one seed claim; every other claim is judged on its own
(with the true δ and the true per-sample gradients as inputs) and must still pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest

import checks.report
from checks.draws import draw
from checks.numeric import check_numeric, evaluators_for
from derive.errors import ClaimError
from derive.model.autodiff import differentiate
from derive.model.backprop import SEED_CLAIMS, replace_claim
from derive.model.network import Network

# a small network on which every mutation type-checks: layers 2..n_l have one width
# (W^l_ij for W^l_ji, z^{l+1}_i for z^l_i) and s_{l+1} <= s_l (a^l_i for a^l_j); W^1 is 2×3
NETWORK = (3, 2, 2, 2)
ENGINES = ("symengine", "sympy")
METHODS = ("exact", "probabilistic")


def _recurrence(v, l, i, fp):
    return sum(v.W[l][k, i] * v.delta[l + 1][k] for k in v.units(l + 1)) * fp


def _mean_dW(v, l, i, j):
    return sum(v.dJ_dW[k][l][i, j] for k in v.samples) / v.m


def _mean_db(v, l, i):
    return sum(v.dJ_db[k][l][i] for k in v.samples) / v.m


@dataclass(frozen=True)
class Mutation:
    name: str
    claim_id: str
    formula: Callable
    first: Callable[[int], str]  # the first wrong entry in reading order, given n_l
    kind: str  # how the labels of that claim's entries begin


DELTA, W_SAMPLE, W_FULL, B_FULL = "δ^", "∂J(W,b;x,y)/∂W^", "∂J(W,b)/∂W^", "∂J(W,b)/∂b^"

MUTATIONS = [
    Mutation("sign flip in the output residual", "delta_output",
             lambda v, l, i, j: (v.y[i] - v.a[l][i]) * v.fprime(v.z[l][i]),
             lambda n: f"δ^{n}_1", DELTA),
    Mutation("transposed weight in the recurrence", "delta_hidden",
             lambda v, l, i, j: sum(v.W[l][i, k] * v.delta[l + 1][k] for k in v.units(l + 1)) * v.fprime(v.z[l][i]),
             lambda n: f"δ^{n - 1}_1", DELTA),
    Mutation("missing f' in the recurrence", "delta_hidden",
             lambda v, l, i, j: _recurrence(v, l, i, 1),
             lambda n: f"δ^{n - 1}_1", DELTA),
    Mutation("f'(a) for f'(z) in the output residual", "delta_output",
             lambda v, l, i, j: -(v.y[i] - v.a[l][i]) * v.fprime(v.a[l][i]),
             lambda n: f"δ^{n}_1", DELTA),
    Mutation("f'(a) for f'(z) in the recurrence", "delta_hidden",
             lambda v, l, i, j: _recurrence(v, l, i, v.fprime(v.a[l][i])),
             lambda n: f"δ^{n - 1}_1", DELTA),
    Mutation("f'(z^{l+1}) for f'(z^l) in the recurrence", "delta_hidden",
             lambda v, l, i, j: _recurrence(v, l, i, v.fprime(v.z[l + 1][i])),
             lambda n: f"δ^{n - 1}_1", DELTA),
    Mutation("a_i for a_j in the per-sample weight gradient", "grad_W_sample",
             lambda v, l, i, j: v.a[l][i] * v.delta[l + 1][i],
             lambda n: "∂J(W,b;x,y)/∂W^1_{1,2}", W_SAMPLE),
    Mutation("missing lambda W in the full weight gradient", "grad_W",
             lambda v, l, i, j: _mean_dW(v, l, i, j),
             lambda n: "∂J(W,b)/∂W^1_{1,1}", W_FULL),
    Mutation("lambda/m for lambda in the full weight gradient", "grad_W",
             lambda v, l, i, j: _mean_dW(v, l, i, j) + v.lam / v.m * v.W[l][i, j],
             lambda n: "∂J(W,b)/∂W^1_{1,1}", W_FULL),
    Mutation("regularised bias in the full bias gradient", "grad_b",
             lambda v, l, i, j: _mean_db(v, l, i) + v.lam * v.b[l][i],
             lambda n: "∂J(W,b)/∂b^1_1", B_FULL),
    Mutation("missing 1/m in the full weight gradient", "grad_W",
             lambda v, l, i, j: sum(v.dJ_dW[k][l][i, j] for k in v.samples) + v.lam * v.W[l][i, j],
             lambda n: "∂J(W,b)/∂W^1_{1,1}", W_FULL),
    Mutation("missing 1/m in the full bias gradient", "grad_b",
             lambda v, l, i, j: sum(v.dJ_db[k][l][i] for k in v.samples),
             lambda n: "∂J(W,b)/∂b^1_1", B_FULL),
]


# SymPy, the reference engine, is the slow one: its half of this module takes about 3 s.
@pytest.fixture(scope="module", params=[pytest.param(f"{e}-{m}", marks=[pytest.mark.slow] if e == "sympy" else [])
                                        for e in ENGINES for m in METHODS])
def engine_name(request):
    """An engine and an identity test, e.g. 'sympy-probabilistic': the whole suite runs under each."""
    return request.param


@pytest.fixture(scope="module", autouse=True)
def _automatic_side_made_once():
    """Every run here differentiates the same network and evaluates the same automatic side:
    make them once per network (they do not depend on the claims), so that run() only checks."""
    made: dict = {}

    def differentiate_once(net):
        if ("d", net) not in made:
            made[("d", net)] = differentiate(net)
        return made[("d", net)]

    def evaluators_once(d, draws):
        key = ("ev", d.net, draws.count, draws.seed)
        if key not in made:
            made[key] = evaluators_for(d, draws)
        return made[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(checks.report, "differentiate", differentiate_once)
        mp.setattr(checks.report, "evaluators_for", evaluators_once)
        yield


def _run(cached_check, engine_name, mutation: Mutation):
    engine, method = engine_name.split("-")
    claims = replace_claim(SEED_CLAIMS, mutation.claim_id, mutation.formula)
    _, results = cached_check(f"{engine_name}: {mutation.name}", NETWORK, claims, engine=engine, method=method)
    return NETWORK, results


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_mutation_is_refuted_at_its_first_wrong_entry_and_other_claims_hold(cached_check, engine_name, mutation):
    sizes, results = _run(cached_check, engine_name, mutation)
    wrong = results[mutation.claim_id]

    sym = wrong.symbolic
    assert sym.status == "refuted", (mutation.name, sym.status, sym.failure, sym.note)
    failure = sym.failure
    assert failure.where == mutation.first(len(sizes)), (mutation.name, failure)
    assert failure.where.startswith(mutation.kind)
    assert wrong.claim.quantity.label_of(*failure.entry) == failure.where
    assert failure.difference not in ("", "0")
    assert failure.automatic is not None and failure.hand is not None and failure.witness

    num = wrong.numeric
    assert num.status == "failed", (mutation.name, num.max_rel_error)
    assert num.max_rel_error > 1e-3
    assert num.worst.entry.startswith(mutation.kind)
    assert num.worst.automatic != pytest.approx(num.worst.hand)
    assert not wrong.passed

    for claim in SEED_CLAIMS:
        if claim.id != mutation.claim_id:
            other = results[claim.id]
            assert other.symbolic.status == "proved", (mutation.name, claim.id, other.symbolic.failure)
            assert other.numeric.status == "passed", (mutation.name, claim.id, other.numeric.worst)


def _by_name(name: str) -> Mutation:
    return next(m for m in MUTATIONS if m.name == name)


def test_mutation_table_has_twelve_distinctly_named_mutations():
    names = {m.name for m in MUTATIONS}
    assert len(names) == len(MUTATIONS) == 12


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_refutation_witness_shows_two_different_values(cached_check, engine_name, mutation):
    # a witness is for a person: the two sides as printed in the report must visibly differ
    failure = _run(cached_check, engine_name, mutation)[1][mutation.claim_id].symbolic.failure
    assert failure is not None and failure.automatic is not None and failure.hand is not None, failure
    assert failure.automatic != failure.hand, failure  # as printed (the values may exceed float precision)


# δ^l for δ^{l+1} in ∂W: at l = 1 it asks for δ^1, which the seed never defines (the input
# layer has no z^1). The tool refuses the formula with a ClaimError naming δ^1, on both sides.

def _delta_same_layer(v, l, i, j):
    return v.a[l][j] * v.delta[l][i]


def test_same_layer_delta_in_per_sample_weight_gradient_is_rejected_naming_delta_1(check, engine_name):
    claims = replace_claim(SEED_CLAIMS, "grad_W_sample", _delta_same_layer)
    engine, method = engine_name.split("-")
    with pytest.raises(ClaimError, match=r"δ\^1 is not defined"):
        check(NETWORK, claims, engine=engine, method=method)


def test_same_layer_delta_in_per_sample_weight_gradient_is_rejected_numerically_naming_delta_1():
    net = Network((2, 2, 2))
    claim = next(c for c in replace_claim(SEED_CLAIMS, "grad_W_sample", _delta_same_layer) if c.id == "grad_W_sample")
    evaluators = evaluators_for(differentiate(net), draw(net, 4, seed=0))
    with pytest.raises(ClaimError, match=r"δ\^1"):
        check_numeric(claim, evaluators)


def test_transposed_weight_in_recurrence_is_rejected_when_widths_differ(check):
    # (2,3,2): W^2 is 2×3, so W^2_{ji} read as W^2_{ij} asks for W^2_{3,1}, which does not exist
    claims = replace_claim(SEED_CLAIMS, "delta_hidden", _by_name("transposed weight in the recurrence").formula)
    with pytest.raises(ClaimError, match=r"W\^2_\{3,1\} does not exist"):
        check((2, 3, 2), claims)


def test_a_i_for_a_j_is_rejected_naming_the_missing_activation_when_widths_differ(check):
    # (2,3,2): at l = 1, i runs to 3 but layer 1 has two units, so a^1_3 does not exist
    claims = replace_claim(SEED_CLAIMS, "grad_W_sample",
                           _by_name("a_i for a_j in the per-sample weight gradient").formula)
    with pytest.raises(ClaimError, match=r"a\^1_\{?3"):
        check((2, 3, 2), claims)


_WITNESS_SCRIPT = """
from derive.model.network import Network
from derive.model.backprop import SEED_CLAIMS, replace_claim
from checks.report import run
for cid, formula in [
    ("delta_hidden", lambda v, l, i, j: sum(v.W[l][k, i] * v.delta[l + 1][k] for k in v.units(l + 1))),
    ("grad_W", lambda v, l, i, j: sum(v.dJ_dW[k][l][i, j] for k in v.samples) + v.lam * v.W[l][i, j]),
]:
    report = run(Network((2, 2, 2)), replace_claim(SEED_CLAIMS, cid, formula), draws=4, seed=0)
    s = {r.claim.id: r for r in report.results}[cid].symbolic
    print(cid, s.status, s.failure.where, s.failure.automatic, s.failure.hand, s.failure.witness)
"""


def test_refutation_and_its_witness_do_not_depend_on_the_python_hash_seed():
    # "Deterministic: a seed fixes every random draw" -- also the symbolic witness, run to run
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", _WITNESS_SCRIPT], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": hash_seed}, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1, outputs


@pytest.mark.slow  # it needs the SymPy runs
@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_engines_and_identity_tests_agree_on_every_mutation(cached_check, mutation):
    verdicts = set()
    for engine in ENGINES:
        for method in METHODS:
            results = _run(cached_check, f"{engine}-{method}", mutation)[1]
            verdicts.add(tuple((r.symbolic.status, r.symbolic.failure and r.symbolic.failure.where, r.numeric.status)
                               for r in results.values()))
    assert len(verdicts) == 1, verdicts
