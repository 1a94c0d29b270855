"""Concrete functions decided exactly (issue 9).

Rows that write an activation out — σ through e^{−z}, tanh through e^{2z}, log of an
exponential, the cross-entropy and softmax algebra — are proved exactly once the functions are
written through exp and log of their arguments (checks.exponentials), under the activation
they are written for. Each has a twin with one planted mistake (a sign, a missing factor,
2z for z, tanh for tanh²) that is refuted at its own line with a witness; a row that holds
for one activation only is refuted under generic f.
"""

from __future__ import annotations

import pytest

from checks.derivation import DEFAULT_SIZES, check_text
from checks.exponentials import Exponentials, exactly_zero
from checks.identity import equal_as, error_bound, probably_equal
from checks.results import Status
from derive.model.dag import post_order
from derive.model.engines import engine
from derive.model.network import Network
from derive.primitives import activation

SOFTMAX = r"\frac{e^{z^{n_l}_k}}{\sum_{j} e^{z^{n_l}_j}}"

# (activation, a correct row, a planted mistake in it as (old, new))
ROWS = [
    ("sigmoid", r"\frac{\partial}{\partial z^l_i} \frac{1}{1+e^{-z^l_i}} = "
                r"\frac{1}{1+e^{-z^l_i}}\left(1 - \frac{1}{1+e^{-z^l_i}}\right)", (r"\left(1 - ", r"\left(1 + ")),
    ("sigmoid", r"\frac{e^{-z^l_i}}{(1+e^{-z^l_i})^2} = \sigma(z^l_i)(1-\sigma(z^l_i))", (")^2}", ")}")),
    ("generic", r"\frac{e^{-z^l_i}}{(1+e^{-z^l_i})^2} = \sigma(z^l_i)(1-\sigma(z^l_i))", ("(1-\\sigma", "(1+\\sigma")),
    ("generic", r"\frac{\partial}{\partial z^l_i} \sigma(z^l_i) = \sigma(z^l_i)(1-\sigma(z^l_i))",
     (r"= \sigma(z^l_i)(", "= (")),
    ("sigmoid", r"1 - \tanh^2 z^l_i = \frac{4}{(e^{z^l_i}+e^{-z^l_i})^2}", (r"\tanh^2 z", r"\tanh z")),
    ("tanh", r"\tanh z^l_i = \frac{e^{2z^l_i}-1}{e^{2z^l_i}+1}", ("{e^{2z^l_i}-1}", "{e^{z^l_i}-1}")),
    ("tanh", r"\frac{\partial a^l_i}{\partial z^l_i} = \frac{4}{(e^{z^l_i}+e^{-z^l_i})^2}", ("{4}", "{2}")),
    ("tanh", r"\tanh(z^l_i) = \frac{1 - e^{-2 z^l_i}}{1 + e^{-2 z^l_i}}", ("{1 - e", "{e")),
    ("generic", r"\log(e^{z^l_i}) = z^l_i", ("= z^l_i", "= 2 z^l_i")),
    ("sigmoid", r"\log\left(e^{a^l_i} e^{y_j}\right) = a^l_i + y_j", ("+ y_j", "- y_j")),
    ("generic", r"\left(e^{\frac{z^l_i}{2}}\right)^2 = e^{z^l_i}", (r"\right)^2", r"\right)^3")),
    ("softplus", r"\frac{\partial}{\partial z^l_i} \log(1+e^{z^l_i}) = \frac{1}{1+e^{-z^l_i}}",
     ("e^{-z^l_i}}", "e^{z^l_i}}")),
    ("softplus", r"\frac{\partial a^l_i}{\partial z^l_i} = \frac{e^{z^l_i}}{1+e^{z^l_i}}", ("{1+e^{z", "{2+e^{z")),
    ("generic", r"\frac{a^l_i(1-a^l_i)}{1-a^l_i} = a^l_i", ("} = a^l_i", "} = 1 - a^l_i")),
    ("sigmoid", r"\frac{a^l_i(1-a^l_i)}{1-a^l_i} = a^l_i", ("} = a^l_i", "} = 1 - a^l_i")),
    ("generic", r"-\frac{y_i}{a^{n_l}_i} + \frac{1-y_i}{1-a^{n_l}_i} = \frac{a^{n_l}_i - y_i}{a^{n_l}_i(1-a^{n_l}_i)}",
     ("{a^{n_l}_i - y_i}", "{y_i - a^{n_l}_i}")),
    ("sigmoid", r"-\frac{y_i}{a^{n_l}_i} + \frac{1-y_i}{1-a^{n_l}_i} = \frac{a^{n_l}_i - y_i}{a^{n_l}_i(1-a^{n_l}_i)}",
     ("{1-y_i}", "{y_i}")),
    ("generic", r"-\log \frac{e^{z^{n_l}_i}}{\sum_{k} e^{z^{n_l}_k}} = \log \sum_{k} e^{z^{n_l}_k} - z^{n_l}_i",
     ("- z^{n_l}_i", "+ z^{n_l}_i")),
    ("generic", r"\frac{\partial}{\partial z^{n_l}_i} \left(-\sum_{k} y_k \log " + SOFTMAX + r"\right) = "
                r"\frac{e^{z^{n_l}_i}}{\sum_{j} e^{z^{n_l}_j}} \sum_{k} y_k - y_i", (r"\sum_{k} y_k - y_i", "- y_i")),
    ("sigmoid", r"f'(z^l_i) = f(z^l_i)(1-f(z^l_i))", ("(1-f", "(2-f")),
]

IDS = [f"{act}:{row}" for act, row, _ in ROWS]


def _nets(act: str) -> tuple[Network, ...]:
    return tuple(Network(sizes, act) for sizes in DEFAULT_SIZES)


def _check(act: str, rows: list[str]):
    """One display per row, row k on line 2k + 1."""
    report = check_text("\n\n".join(f"$$ {row} $$" for row in rows) + "\n", "functions.md", _nets(act))
    assert [r.step.line for r in report.results] == [2 * k + 1 for k in range(len(rows))]
    return report.results


@pytest.mark.parametrize("k", range(len(ROWS)), ids=IDS)
def test_a_row_written_with_concrete_functions_is_proved(k):
    act, row, _ = ROWS[k]
    (result,) = _check(act, [row])
    assert result.status is Status.PASSED and result.symbolic is Status.PROVED, (result.reason, result.failure)


@pytest.mark.parametrize("k", range(len(ROWS)), ids=IDS)
def test_a_planted_mistake_is_refuted_at_its_own_line_with_a_witness(k):
    act, row, (old, new) = ROWS[k]
    assert row.count(old) == 1
    neighbour = next(r for a, r, _ in ROWS if a == act and r != row)
    results = _check(act, [neighbour, row.replace(old, new), neighbour])
    assert [r.status for r in results] == [Status.PASSED, Status.FAILED, Status.PASSED], [r.reason for r in results]
    wrong = results[1]
    assert wrong.symbolic is Status.REFUTED, (wrong.symbolic, wrong.failure)
    assert wrong.failure is not None and wrong.failure.witness, wrong.failure


@pytest.mark.parametrize("row", [r"f'(z^l_i) = f(z^l_i)(1-f(z^l_i))",
                                 r"\frac{\partial a^l_i}{\partial z^l_i} = a^l_i(1 - a^l_i)",
                                 r"f(z^l_i) = \frac{1}{1+e^{-z^l_i}}"])
def test_a_row_that_holds_for_sigmoid_only_is_refuted_under_generic_f(row):
    (result,) = _check("generic", [row])
    assert result.symbolic is Status.REFUTED and result.failure is not None and result.failure.witness, result


def test_a_row_that_holds_for_sigmoid_only_is_refuted_under_tanh():
    (result,) = _check("tanh", [r"f'(z^l_i) = f(z^l_i)(1-f(z^l_i))"])
    assert result.symbolic is Status.REFUTED and result.failure is not None and result.failure.witness, result


# ---------------------------------------------------------------- the decision procedure itself

@pytest.fixture(params=["symengine", "sympy"])
def eng(request):
    return engine(request.param)


def test_exponentials_of_linear_forms_are_laurent_monomials(eng):
    x, y = eng.xp.symbols("x y")
    o = eng.ops
    (out,) = Exponentials(eng, activation("generic"))([o.exp(x / 3 + 2 * y) * o.exp(x / 2)])
    assert not any(eng.applied(n) for n in post_order([out])), out  # no exp left: powers of fresh variables
    assert {str(s) for s in post_order([out]) if s.is_Symbol} == {"exp⟨x/6⟩", "exp⟨y⟩"}, out
    generic = activation("generic")
    assert exactly_zero(eng, generic, o.exp(x / 3 + 2 * y) * o.exp(x / 2) - o.exp(5 * x / 6) * o.exp(y) ** 2)
    assert not exactly_zero(eng, generic, o.exp(x / 3) ** 3 - o.exp(y))


def test_log_is_split_only_over_provably_positive_factors(eng):
    x, y = eng.xp.symbols("x y")
    o, generic = eng.ops, activation("generic")
    assert exactly_zero(eng, generic, o.log(o.exp(x) * (1 + o.exp(y))) - x - o.log(1 + o.exp(y)))
    assert exactly_zero(eng, generic, o.log(12 * o.exp(x)) - 2 * o.log(2) - o.log(3) - x)
    # log(x·y) = log x + log y is false for x, y < 0: never used
    assert not exactly_zero(eng, generic, o.log(x * y) - o.log(x) - o.log(y))


def test_exp_of_a_nonlinear_argument_stays_an_unknown_of_it(eng):
    x, y = eng.xp.symbols("x y")
    o, generic = eng.ops, activation("generic")
    assert exactly_zero(eng, generic, o.exp(x * y + o.f(x)) - o.exp(x * y) * o.exp(o.f(x)))
    assert not exactly_zero(eng, generic, o.exp(x * y) - o.exp(x) * o.exp(y))
    assert not exactly_zero(eng, generic, o.exp(o.f(x)) - o.f(o.exp(x)))


def test_a_concrete_activation_is_written_out_and_generic_f_is_not(eng):
    t = eng.xp.Symbol("t")
    o = eng.ops
    claim = o.fprime(t) - o.f(t) * (1 - o.f(t))
    assert exactly_zero(eng, activation("sigmoid"), claim)
    assert not exactly_zero(eng, activation("generic"), claim)
    assert not exactly_zero(eng, activation("tanh"), claim)
    assert exactly_zero(eng, activation("tanh"), o.fprime(t) - (1 - o.tanh(t) ** 2))
    assert exactly_zero(eng, activation("softplus"), o.fprime(t) - 1 / (1 + o.exp(-t)))


def test_modulo_p_uses_the_same_rewrite_and_states_its_bound(eng):
    t = eng.xp.Symbol("t")
    o, sigmoid = eng.ops, activation("sigmoid")
    pairs = [(o.fprime(t), o.exp(-t) / (1 + o.exp(-t)) ** 2), (o.fprime(t), o.exp(t) / (1 + o.exp(-t)) ** 2),
             (o.tanh(2 * t), 2 * o.tanh(t) / (1 + o.tanh(t) ** 2))]
    assert probably_equal(eng, sigmoid, pairs, seed=0) == [True, False, True]
    tested = [p for p in equal_as(eng, sigmoid, pairs, seed=0) if p is not None]
    assert 0 < error_bound(eng, tested) < 1e-30
