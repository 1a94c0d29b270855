"""Chains through every quantity (issue 9): derivatives with respect to W, b, z and a, and the chain-rule
steps people write with them, checked one by one.

Seed convention throughout: W^l_{kj} is the weight from unit j of layer l to unit k of layer l+1. Each chain
is written out in Markdown; correct, every step passes (δ = ∂J/∂z is a definition); with one planted mistake
per copy it fails at the mistake's own line. A step that cannot be read is not checked, and the chain goes on
from the last side that could be read, so a mistake after it is still caught.
"""

from __future__ import annotations

import pytest

from checks.derivation import DEFAULT_SIZES, check_text, read_steps
from checks.results import Status
from derive.meaning.indices import type_indices
from derive.meaning.reach import reach_of
from derive.meaning.symbols import Cut, SymbolTable
from derive.model.network import Network
from derive.reader import parse_equation, parse_expression
from derive.reader.ast import Call, Derivative, Sym, Var

NETS = tuple(Network(sizes) for sizes in DEFAULT_SIZES)
CLEAN = (Status.PASSED, Status.DEFINITION)
FIRST_ROW = 3  # the line of a chain's first row (see _post)

# Each chain: its rows (the first with its left-hand side, the others continuing it with &=).
HIDDEN_RESIDUAL = [
    r"\delta^l_j &= \frac{\partial J}{\partial z^l_j}",
    r"&= \sum_k \frac{\partial J}{\partial z^{l+1}_k} \frac{\partial z^{l+1}_k}{\partial z^l_j}",
    r"&= \sum_k \delta^{l+1}_k W^l_{kj} f'(z^l_j)",
]
WEIGHT_GRADIENT = [
    r"\frac{\partial J}{\partial W^l_{jk}} &= \frac{\partial J}{\partial z^{l+1}_j}"
    r" \frac{\partial z^{l+1}_j}{\partial W^l_{jk}}",
    r"&= \delta^{l+1}_j a^l_k",
]
ACTIVATION_GRADIENT = [
    r"\frac{\partial J}{\partial a^l_j} &= \sum_k \frac{\partial J}{\partial z^{l+1}_k}"
    r" \frac{\partial z^{l+1}_k}{\partial a^l_j}",
    r"&= \sum_k W^l_{kj} \delta^{l+1}_k",
]
THROUGH_THE_ACTIVATION = [
    r"\frac{\partial J}{\partial z^l_j} &= \frac{\partial J}{\partial a^l_j} \frac{\partial a^l_j}{\partial z^l_j}",
    r"&= \frac{\partial J}{\partial a^l_j} f'(z^l_j)",
    r"&= \sum_k W^l_{kj} \delta^{l+1}_k f'(z^l_j)",
]
OUTPUT_RESIDUAL = [
    r"\delta^{n_l}_j &= \frac{\partial J}{\partial a^{n_l}_j} \frac{\partial a^{n_l}_j}{\partial z^{n_l}_j}",
    r"&= (a^{n_l}_j - y_j) f'(z^{n_l}_j)",
]
CHAINS = {"hidden residual": HIDDEN_RESIDUAL, "weight gradient": WEIGHT_GRADIENT,
          "activation gradient": ACTIVATION_GRADIENT, "through the activation": THROUGH_THE_ACTIVATION,
          "output residual": OUTPUT_RESIDUAL}

# (chain, row, old, new): one planted mistake per copy, failing at that row.
PLANTED = [
    ("hidden residual", 2, "W^l_{kj}", "W^l_{jk}"),  # the wrong index on W
    ("hidden residual", 2, " f'(z^l_j)", ""),  # f' missing
    ("hidden residual", 2, r"\sum_k", r"\sum_{k=1}^{s_l}"),  # the sum over the wrong layer
    ("hidden residual", 1, r"\partial z^l_j}", r"\partial z^{l+1}_j}"),  # ∂z^{l+1}/∂z^{l+1}: the wrong layer
    ("weight gradient", 0, r"\partial W^l_{jk}}", r"\partial W^l_{kj}}"),  # the wrong index on W
    ("weight gradient", 1, "a^l_k", "a^{l+1}_k"),  # the activation of the wrong layer
    ("activation gradient", 1, "W^l_{kj}", "W^l_{jk}"),  # the wrong index on W
    ("activation gradient", 1, r"\delta^{l+1}_k", r"\delta^{l}_k"),  # δ of the wrong layer
    ("through the activation", 1, "f'(z^l_j)", "1"),  # ∂a/∂z = 1
    ("through the activation", 2, " f'(z^l_j)", ""),  # f' missing
    ("output residual", 1, "(a^{n_l}_j - y_j)", "(y_j - a^{n_l}_j)"),  # the sign of ∂J/∂a^{n_l}
]

# One derivative per row, each true on the network with its cut: (row, scope it is proved for).
ELEMENTARY = [
    (r"\frac{\partial z^{l+1}_k}{\partial z^l_j} = W^l_{kj} f'(z^l_j)", "all"),
    (r"\frac{\partial z^{l+1}_k}{\partial a^l_j} = W^l_{kj}", "all"),
    (r"\frac{\partial a^l_j}{\partial z^l_j} = f'(z^l_j)", "all"),
    (r"\frac{\partial a^l_1}{\partial z^l_2} = 0", "test networks"),  # j ≠ k: a fixed unit number
    (r"\frac{\partial z^{l+1}_k}{\partial W^l_{kj}} = a^l_j", "all"),
    (r"\frac{\partial z^{l+1}_k}{\partial b^l_k} = 1", "all"),
    (r"\frac{\partial z^l_k}{\partial a^l_j} = 0", "all"),  # z^l comes before a^l
    (r"\frac{\partial J}{\partial a^{n_l}_j} = a^{n_l}_j - y_j", "all"),
    (r"\frac{\partial}{\partial a^l_j} J(W,b;x,y) = \sum_k W^l_{kj} \delta^{l+1}_k", "all"),
    (r"\frac{\partial C}{\partial a^{n_l}_j} = \frac{\partial \mathcal{L}}{\partial a^{n_l}_j}", "all"),
    (r"\frac{\partial J}{\partial b^l_j} = \sum_k \frac{\partial J}{\partial z^{l+1}_k}"
     r" \frac{\partial z^{l+1}_k}{\partial b^l_j}", "all"),
    (r"\frac{\partial J}{\partial z^{n_l-1}_j} = \sum_k \frac{\partial J}{\partial a^{n_l}_k} f'(z^{n_l}_k)"
     r" W^{n_l-1}_{kj} f'(z^{n_l-1}_j)", "all"),
]


def _post(*chains: list[str]) -> tuple[str, list[list[int]]]:
    """One aligned display per chain, and the line of each row."""
    text, lines, line = "", [], 1
    for rows in chains:
        text += "$$\n\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}\n$$\n\n"
        lines.append(list(range(line + 2, line + 2 + len(rows))))
        line += len(rows) + 5
    return text, lines


def _check(text: str):
    return check_text(text, "chains.md", NETS)


def test_every_chain_as_written_checks_clean_and_is_proved_for_every_network():
    text, lines = _post(*CHAINS.values())
    report = _check(text)
    assert [r.step.line for r in report.results] == [n for rows in lines for n in rows]
    assert all(r.status in CLEAN for r in report.results), [(r.step.line, r.status, r.reason) for r in report.results]
    assert [r.status for r in report.results].count(Status.DEFINITION) == 1  # δ^l_j = ∂J/∂z^l_j
    assert all(r.scope is not None and r.scope.kind == "all" for r in report.results if r.status is Status.PASSED)


@pytest.mark.parametrize("name, row, old, new", PLANTED)
def test_a_planted_mistake_in_a_chain_fails_at_its_own_line(name, row, old, new):
    rows = list(CHAINS[name])
    assert old in rows[row]
    rows[row] = rows[row].replace(old, new, 1)
    text, (lines,) = _post(rows)
    results = _check(text).results
    failed = [r.step.line for r in results if r.status is Status.FAILED]
    assert failed and failed[0] == lines[row], [(r.step.line, r.status, r.reason) for r in results]
    assert all(r.status in CLEAN for r in results if r.step.line < lines[row])


def test_each_elementary_derivative_holds_on_the_network_with_its_cut():
    report = _check("\n\n".join(f"$$ {row} $$" for row, _ in ELEMENTARY))
    assert [r.status for r in report.results] == [Status.PASSED] * len(ELEMENTARY), [
        (r.step.line, r.reason) for r in report.results]
    assert [r.scope.kind for r in report.results if r.scope] == [scope for _, scope in ELEMENTARY]


@pytest.mark.parametrize("row", [
    r"\frac{\partial a^l_j}{\partial z^l_k} = 0",  # wrong at k = j: it is f'(z^l_j) δ_jk
    r"\frac{\partial a^l_j}{\partial z^l_k} = f'(z^l_j)",  # wrong at k ≠ j
    r"\frac{\partial a^l_j}{\partial z^l_j} = 1",
    r"\frac{\partial z^{l+1}_k}{\partial a^l_j} = W^l_{kj} f'(z^l_j)",  # a^l is the variable: no f'
    r"\frac{\partial J}{\partial a^{n_l}_j} = (a^{n_l}_j - y_j) f'(z^{n_l}_j)",  # that is δ^{n_l}_j
])
def test_a_wrong_elementary_derivative_fails(row):
    (result,) = _check(f"$$ {row} $$").results
    assert result.status is Status.FAILED, result.reason


def test_a_width_dependent_term_in_da_is_refuted_on_the_width_grid():
    # Zero on both test networks (s_{l+1} ≤ 3) and at width 4 not: ∂J/∂a^l reaches layer l+1, whose widths are tried.
    (result,) = _check(r"$$ \frac{\partial J}{\partial a^l_j} = \sum_k W^l_{kj} \delta^{l+1}_k"
                       r" + (s_{l+1}-1)(s_{l+1}-2)(s_{l+1}-3)\, a^l_j $$").results
    assert result.status is Status.FAILED and "s_{l+1} = 4" in result.failure.where


def test_an_unparseable_middle_step_is_not_checked_and_the_chain_goes_on_past_it():
    rows = [ACTIVATION_GRADIENT[0], r"&= \nabla_{a^l} J \cdot e_j", ACTIVATION_GRADIENT[1]]
    text, (lines,) = _post(rows)
    results = _check(text).results
    assert [(r.step.line, r.status) for r in results] == [
        (lines[0], Status.PASSED), (lines[1], Status.NOT_CHECKED), (lines[2], Status.PASSED)]
    assert r"\nabla" in results[1].reason
    assert results[2].step.lhs == results[0].step.rhs  # compared with the last side that could be read


def test_a_mistake_after_an_unparseable_step_is_still_caught():
    wrong = ACTIVATION_GRADIENT[1].replace("W^l_{kj}", "W^l_{jk}")
    text, _ = _post([ACTIVATION_GRADIENT[0], r"&= \nabla_{a^l} J \cdot e_j", wrong])
    assert [r.status for r in _check(text).results] == [Status.PASSED, Status.NOT_CHECKED, Status.FAILED]


def test_in_one_row_a_unreadable_middle_side_leaves_a_equals_c_checked_at_c():
    row = (r"\frac{\partial J}{\partial a^l_j} = \sum_{k=1}^{s_{l+1}} \frac{\partial J}{\partial z^{l+1}_k} \cdots"
           r" = \sum_{k=1}^{s_{l+1}} W^l_{kj} \delta^{l+1}_k")
    steps = read_steps(f"$$\n{row}\n$$\n")
    assert [(s.line, bool(s.reason)) for s in steps] == [(2, True), (2, False)]
    assert r"\cdots" in steps[0].reason and "column" in steps[0].reason
    assert steps[1].lhs == parse_expression(r"\frac{\partial J}{\partial a^l_j}")  # the '=' in k=1 is no side's end
    results = _check(f"$$\n{row}\n$$\n").results
    assert [r.status for r in results] == [Status.NOT_CHECKED, Status.PASSED]


def test_an_unreadable_left_hand_side_leaves_the_rest_of_the_row_checked():
    steps = read_steps(r"$$ \nabla J = \frac{\partial J}{\partial a^{n_l}_j} = a^{n_l}_j - y_j $$")
    assert [bool(s.reason) for s in steps] == [True, False]
    assert steps[1].lhs is not None and steps[1].own_lhs is False


def test_a_row_that_cannot_be_split_is_one_step_not_checked_as_before():
    steps = read_steps("$$\n\\begin{aligned}\n(y_i &= y_i \\\\\n&= y_i\n\\end{aligned}\n$$\n")  # '=' inside (
    assert [s.reason for s in steps] == ["unexpected '=' at column 7, inside '(' opened at column 1",
                                         "continues an equation that could not be read"]


def test_a_bare_loss_under_a_derivative_is_the_loss_of_one_sample():
    loss = Call("J", (Sym("W"), Sym("b"), Sym("x"), Sym("y")), semicolon=True)
    wrt = Sym("a", (Var("j"),), Var("l"))
    for written in ("J", "C", "L", "E", r"\mathcal{L}"):
        assert parse_expression(rf"\frac{{\partial {written}}}{{\partial a^l_j}}") == Derivative(wrt, loss)
        assert parse_expression(rf"\frac{{\partial}}{{\partial a^l_j}} {written}") == Derivative(wrt, loss)
    assert parse_equation(r"J = \frac{1}{2} y_i").lhs == Sym("J")  # outside a derivative: as written


def test_the_variable_of_a_derivative_types_its_index():
    relation = parse_equation(r"\frac{\partial J}{\partial a^l_j} = \sum_k W^l_{kj} \delta^{l+1}_k")
    typing = type_indices(relation.lhs, relation.rhs[0], (2, 3, 4, 2), {"l": 2})
    assert typing.free == {"j": 2}
    assert "s_{l + 1}" in str(typing.rhs)  # the bound-less sum runs over layer l+1, as δ^{l+1}_k says


def test_da_reaches_the_layer_above_except_at_the_output():
    d = parse_expression(r"\frac{\partial J}{\partial a^l_j}")
    assert reach_of(d, 4, {"l": 2}) == {2, 3}
    assert reach_of(d, 4, {"l": 4}) == {4}


@pytest.mark.parametrize("engine", ["symengine", "sympy"])
def test_the_network_cut_at_a_reads_back_as_the_forward_pass(engine):
    net = Network((2, 3, 3, 2), engine=engine)
    table = SymbolTable(net)
    cut = Cut(2, on_a=True)
    back = {s: net.world().a[2][u] for u, s in table.alpha(2).items()}
    for name, l in (("z", 3), ("a", 4), ("delta", 3), ("delta", 4)):
        for u, value in table.layer(name, l, cut).items():
            uncut = table.layer(name, l, Cut())[u]
            assert net.eng.xp.expand(value.xreplace(back) - uncut) == 0, (name, l, u)
    assert table.layer("z", 2, cut) == net.world(cut=2).z[2]  # below the cut: its own fresh z, held fixed


def test_a_chain_checks_the_same_under_the_sympy_engine():
    text, _ = _post(HIDDEN_RESIDUAL, ACTIVATION_GRADIENT)
    report = check_text(text, "chains.md", tuple(Network(s, engine="sympy") for s in DEFAULT_SIZES))
    assert all(r.status in CLEAN for r in report.results), [(r.step.line, r.reason) for r in report.results]


def test_a_derivative_that_would_cross_a_cut_is_not_checked_with_its_reason():
    rows = [r"\frac{\partial}{\partial a^{2}_1} \frac{\partial J}{\partial W^{1}_{ij}} = 0",
            r"\frac{\partial}{\partial a^{3}_1} \frac{\partial J}{\partial a^{2}_j} = 0",
            r"\frac{\partial J(W,b)}{\partial a^{2}_j} = 0",
            r"\frac{\partial \delta^l_k}{\partial a^l_j} = 0"]
    results = _check("\n\n".join(f"$$ {row} $$" for row in rows)).results
    assert [r.status for r in results] == [Status.NOT_CHECKED] * len(rows)
    reasons = ["below a^2 inside ∂/∂a^2", "∂/∂a^2 inside a derivative with respect to a^3",
               "J(W,b) is not defined", "is not defined while differentiating with respect to a^"]
    assert all(reason in r.reason for reason, r in zip(reasons, results)), [r.reason for r in results]


def test_a_side_with_no_meaning_is_bridged_the_chain_goes_on_and_a_mistake_after_it_is_caught():
    from checks.derivation import DEFAULT_SIZES, check_text
    from checks.results import Status
    from derive.model.network import Network

    rows = [r"\delta^{n_l}_i &= \frac{\partial}{\partial z^{n_l}_i} J(W,b;x,y) \\", r"&= q_i \\",
            r"&= -(y_i - a^{n_l}_i) f'(z^{n_l}_i)"]
    nets = tuple(Network(s) for s in DEFAULT_SIZES)
    for last, expected in ((rows[2], Status.PASSED), (rows[2].replace("-(y_i", "(y_i"), Status.FAILED)):
        text = "\n".join(["$$", r"\begin{align*}", rows[0], rows[1], last, r"\end{align*}", "$$"])
        results = check_text(text, "gap.md", nets).results
        assert [r.status for r in results] == [Status.DEFINITION, Status.NOT_CHECKED, expected]
        assert "could not be read" in results[2].remarks[-1] and results[2].step.line == 5
