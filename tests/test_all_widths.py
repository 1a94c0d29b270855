"""Sound to the last index: index typing, and a proof for every width and depth (docs/all-widths.md).

Each trap below holds on the test networks (2,3,2 and 2,3,3,2) and fails on a
wider or deeper one: it must be refuted on the grid, at the width the bound
predicts. Each correct twin must pass with scope "all".
"""

from __future__ import annotations

import random
from itertools import product

import pytest
import sympy

from checks.derivation import DEFAULT_SIZES, check_text
from checks.report import run
from checks.results import Status
from derive.model.network import Network

NETS = tuple(Network(s) for s in DEFAULT_SIZES)
RECURRENCE = r"\left(\sum_{j=1}^{s_{l+1}} W^l_{ji} \delta^{l+1}_j\right) f'(z^l_i)"
FULL_BIAS = r"\frac{1}{m}\sum_{k=1}^m \frac{\partial}{\partial b^l_i} J(W,b;x^{(k)},y^{(k)})"


def check(*equations: str):
    """The results of one file holding each equation as its own display."""
    text = "\n\n".join(f"$$\n{e}\n$$" for e in equations)
    return check_text(text, "t.md", NETS).results


def one(equation: str):
    (result,) = check(equation)
    return result


def grid_count(poly: str, over: str = "s_{l+1}") -> str:
    """A polynomial in a width written with nested sums, e.g. (s-1)(s-2) as (Σ_j 1 - 1)(Σ_k 1 - 2)."""
    bound = "m" if over == "m" else over
    roots = [int(r) for r in poly]
    return "".join(rf"\left(\sum_{{{v}=1}}^{{{bound}}} 1 - {r}\right)" for v, r in zip("jkpqrt", roots))


def test_the_width_four_trap_is_refuted_at_width_four():
    r = one(rf"\delta^l_i = {RECURRENCE} + {grid_count('123')} z^l_i")
    assert r.status is Status.FAILED and r.symbolic is Status.REFUTED
    assert "s_{l+1} = 4" in r.failure.where and r.failure.witness  # on the grid, with a witness
    assert r.instances > 0  # the test networks alone were passed


def test_the_sample_count_trap_is_refuted_at_m_four():
    r = one(rf"\frac{{\partial}}{{\partial b^l_i}} J(W,b) = {FULL_BIAS} + {grid_count('123', 'm')} b^l_i")
    assert r.status is Status.FAILED and "m = 4" in r.failure.where


def test_the_correct_twins_are_proved_for_every_width_and_depth():
    for r in check(rf"\delta^l_i = {RECURRENCE}", rf"\frac{{\partial}}{{\partial b^l_i}} J(W,b) = {FULL_BIAS}"):
        assert r.status is Status.PASSED and r.scope.kind == "all", r


def test_a_sum_over_the_wrong_layer_is_a_shape_failure():
    r = one(r"\delta^l_i = \left(\sum_{j=1}^{s_l} W^l_{ji} \delta^{l+1}_j\right) f'(z^l_i)")
    assert r.status is Status.FAILED
    assert "j runs to s_{l} = 3, but W^{l} has s_{l+1} = 2 rows" in r.reason


def test_an_index_typed_by_two_layers_is_a_shape_failure_even_where_widths_agree():
    r = one(r"\frac{\partial}{\partial W^l_{ij}} J(W,b;x,y) = a^l_i \delta^{l+1}_j")
    assert r.status is Status.FAILED and "i indexes the rows of W_{ij}^{l}" in r.reason


@pytest.mark.parametrize("equation", [
    r"\delta^l_i = \left(\sum_{k=1}^{s_{l+1}} W^l_{ki} \delta^{l+1}_k\right) f'(z^l_i)",  # dummy renamed
    r"\delta^l_i = f'(z^l_i) \sum_{j=1}^{s_{l+1}} \delta^{l+1}_j W^l_{ji}",  # factors reordered
    r"\delta^l_i = \left(\sum_j W^l_{ji} \delta^{l+1}_j\right) f'(z^l_i)",  # a sum without bounds: its layer's
])
def test_renaming_and_reordering_still_pass_for_every_network(equation):
    r = one(equation)
    assert r.status is Status.PASSED and r.scope.kind == "all"


def test_an_unfaithful_sum_inside_f_is_not_covered_never_proved_for_all():
    # Holds for s = 1, 2 (the output layer of both test networks has 2 units), fails at s = 3.
    s = r"\sum_{k=1}^{s_{n_l}} z^{n_l}_i"
    r = one(rf"f\left({s}\right) + f\left(3 z^{{n_l}}_i - {s}\right) = f(z^{{n_l}}_i) + f(2 z^{{n_l}}_i)")
    assert r.status is Status.PASSED and r.scope.kind == "test networks"
    assert "not faithful" in r.scope.not_covered[0]


def test_the_seed_claims_state_a_theorem_about_every_network():
    report = run(Network((2, 3, 2)), draws=8)
    assert all(c.symbolic.scope.kind == "all" for c in report.results)


def test_a_python_formula_is_proved_on_its_network_only():
    from derive.model.backprop import SEED_CLAIMS, replace_claim
    claims = replace_claim(SEED_CLAIMS, "grad_b_sample", lambda v, l, i, j: v.delta[l + 1][i])
    report = run(Network((2, 3, 2)), claims, draws=8)
    assert [c.symbolic.scope.kind for c in report.results].count("test networks") == 1


# The bound, adversarially: a random polynomial in the widths, written partly with sums and partly
# with powers of s_T, is added to a correct claim. Whatever derive passes must vanish at every width;
# whatever vanishes at every width must pass; and the cheapest traps (roots at the widths the test
# networks and the grid's lower end have) must be refuted.

WIDTHS = {"l": "s_{l}", "l+1": "s_{l+1}"}


def _factors(rng: random.Random) -> list[tuple[str, int]]:
    """A random product of linear factors (s_T − root), as (T, root) pairs."""
    return [(rng.choice(list(WIDTHS)), rng.randint(0, 4)) for _ in range(rng.randint(1, 4))]


def _written(factors: list[tuple[str, int]], rng: random.Random) -> tuple[str, sympy.Expr]:
    """The product as LaTeX (each factor with a sum or with s_T, at random) and as a sympy polynomial."""
    tex, value = [], sympy.Integer(1)
    for v, (t, root) in zip("jkpq", factors):
        width = rf"\sum_{{{v}=1}}^{{{WIDTHS[t]}}} 1" if rng.random() < 0.5 else WIDTHS[t]
        tex.append(rf"\left({width} - {root}\right)")
        value *= sympy.Symbol(t) - root
    return "".join(tex), sympy.expand(value)


@pytest.mark.slow
def test_the_bound_holds_against_random_width_polynomials():
    rng = random.Random(8)
    outcomes = set()
    for _ in range(16):
        first = _factors(rng)
        second = rng.sample(first, len(first)) if rng.random() < 0.4 else _factors(rng)  # the same, reordered
        (p_tex, p), (q_tex, q) = _written(first, rng), _written(second, rng)
        equation = rf"\delta^l_i = {RECURRENCE} + {p_tex} z^l_i - {q_tex} z^l_i"
        r = one(equation)
        zero = sympy.expand(p - q) == 0
        assert (r.status is Status.PASSED) == zero, (equation, r.failure)
        assert r.status is not Status.PASSED or r.scope.kind == "all"
        # Independently: a difference that vanishes at every width up to 6 is the zero polynomial.
        widths = product(range(1, 7), repeat=2)
        values = [(p - q).subs({sympy.Symbol("l"): a, sympy.Symbol("l+1"): b}) for a, b in widths]
        assert all(v == 0 for v in values) == zero
        outcomes.add((zero, r.failure is not None and r.failure.where.startswith("n_l")))
    assert (True, False) in outcomes and (False, True) in outcomes  # both kinds met, and some caught only on the grid


def test_the_seed_post_is_proved_for_every_network(seed_text):
    results = check_text(seed_text, "seed.md", NETS).results
    assert all(r.status in (Status.PASSED, Status.DEFINITION) and r.scope.kind == "all" for r in results), [
        (r.step.line, r.scope) for r in results if not (r.scope and r.scope.kind == "all")]


def test_the_weight_decay_cancels_only_when_both_sides_hold_it_alike():
    decay = r"\frac{\lambda}{2}\sum_{l=1}^{n_l-1}\sum_{i=1}^{s_l}\sum_{j=1}^{s_{l+1}} (W^l_{ji})^2"
    data = r"\frac{1}{m}\sum_{k=1}^{m} J(W,b;x^{(k)},y^{(k)})"
    right, wrong = one(rf"J(W,b) = {data} + {decay}"), one(rf"J(W,b) = {data} + {decay.replace('{2}', '{3}')}")
    assert right.status is Status.DEFINITION and right.scope.kind == "all"  # it defines the loss
    assert wrong.status is Status.FAILED


def test_the_definition_of_J_that_cancels_is_derive_s_own():
    from derive.meaning import Budget, Env, SymbolTable, evaluate
    from derive.meaning.layersums import FULL_LOSS
    from derive.model.loss import full_loss
    from derive.reader import parse_equation

    net = Network((2, 3, 2))
    value = evaluate(SymbolTable(net), parse_equation(f"J(W,b) = {FULL_LOSS}").rhs[0], Env(), Budget()).value
    assert net.eng.xp.expand(value - full_loss(net)) == 0


# Counterexamples to looser bounds (docs/all-widths.md): each would be "proved for every network" by a
# rule that counts 1/s_T inside a term's sums, that takes any sum-free argument of f as faithful, that
# takes any sum holding a bias as a forward quantity, or that calls an empty set of windows a proof.
LAURENT = (rf"\delta^l_i = {RECURRENCE} + \left(s_{{l+1}} s_{{l+1}} s_{{l+1}} - 10 s_{{l+1}} s_{{l+1}} + 35 s_{{l+1}}"
           r" - 50 + \frac{24}{s_{l+1}}\right) z^l_i")
PARTIAL_FORWARD = (r"(s_l - 3) \sum_{q=1}^{s_l} f(W^l_{pi} a^l_i + W^l_{pq} a^l_q + b^l_p)"
                   r" - (s_l - 3) f(2 W^l_{pi} a^l_i + b^l_p) - (s_l - 1)(s_l - 3) f(z^{l+1}_p) = 0")
BIASED_SUM = (r"(s_{l+1} - 3) f\left(\sum_{k=1}^{s_{l+1}} z^l_i + b^{l-1}_i\right)"
              r" + (s_{l+1} - 3) f\left(3 z^l_i - \sum_{k=1}^{s_{l+1}} z^l_i + b^{l-1}_i\right)"
              r" = (s_{l+1} - 3) f(z^l_i + b^{l-1}_i)"
              r" + (s_{l+1} - 3) f(2 z^l_i + b^{l-1}_i)")


def test_a_division_by_a_width_widens_the_grid_on_its_own():
    r = one(LAURENT)  # (s−1)(s−2)(s−3)(s−4)/s: zero up to 4, not at 5
    assert r.status is Status.FAILED and "s_{l+1} = 5" in r.failure.where


@pytest.mark.parametrize("equation", [PARTIAL_FORWARD, BIASED_SUM])
def test_f_of_a_part_of_a_forward_quantity_is_not_covered(equation):
    r = one(equation)
    assert r.status is Status.PASSED and r.scope.kind == "test networks"
    assert "not faithful" in r.scope.not_covered[0]


def test_a_written_out_forward_quantity_is_faithful():
    z = r"\sum_{q=1}^{s_l} W^l_{pq} a^l_q + b^l_p"
    r = one(rf"f'\left({z}\right) = f'(z^{{l+1}}_p)")
    assert r.status is Status.PASSED and r.scope.kind == "all"


def test_layers_farther_apart_than_any_window_prove_nothing():
    from checks.scope import Decider, prove_everywhere
    from derive.reader import parse_equation

    relation = parse_equation(r"(s_{l+8} - 1) a^l_j = 0")
    scope, verdict = prove_everywhere(relation.lhs, relation.rhs[0], ["j", "l"], NETS[0], Decider(0))
    assert scope.kind == "test networks" and verdict is None


def test_a_forward_quantity_in_a_denominator_is_cleared_and_counted():
    # relu's f' written a/z: z^l_i hides a sum over layer l−1, so clearing it widens that layer's grid
    step = r"\frac{a^l_i}{z^l_i}"
    right = one(rf"\delta^l_i = \left(\sum_{{j=1}}^{{s_{{l+1}}}} W^l_{{ji}} \delta^{{l+1}}_j\right) f'(z^l_i)"
                rf" + \left(\frac{{a^l_i}}{{z^l_i}} - {step}\right)")
    assert right.status is Status.PASSED and right.scope.kind == "all", right
    trap = one(rf"\delta^l_i = {RECURRENCE} + {grid_count('123')} \frac{{a^l_i}}{{z^l_i}}")
    assert trap.status is Status.FAILED and "s_{l+1} = 4" in trap.failure.where, trap
    unsafe = one(rf"\delta^l_i = {RECURRENCE} + \frac{{a^l_i - a^l_i}}{{\sum_{{k=1}}^{{s_l}} 1 - 7}}")
    assert unsafe.scope.kind == "test networks" and "division by" in unsafe.scope.label, unsafe
