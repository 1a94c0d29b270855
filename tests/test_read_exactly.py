"""Notation is read exactly or refused, never read loosely (issue 8).

A script on a function is read (\\tanh^2 z is (\\tanh z)^2, \\log_2 x is log x / log 2) or
refused with its reason (f^{-1}, f_7); J and h are read only at their parameters; an
undefined value (1/0, log 0) is never differentiated away; and a quantity of a layer
below the z a derivative is taken with respect to is a constant there, its derivative 0.
Each correct row checks clean, and a copy with one planted mistake fails at its own line.
"""

from __future__ import annotations

import pytest

from checks.derivation import DEFAULT_SIZES, check_text
from checks.results import Status
from derive.errors import ParseError
from derive.model.network import Network
from derive.reader import parse_expression
from derive.reader.ast import Call, Frac, Mul, Num, Pow, Sym, Var

NETS = tuple(Network(sizes) for sizes in DEFAULT_SIZES)

# Correct rows, one display each: (row, a planted mistake in it as (old, new)).
ROWS = [
    (r"\frac{\partial}{\partial z^l_i} \tanh(z^l_i) = 1 - \tanh^2 z^l_i", (r"\tanh^2 z^l_i", r"\tanh z^l_i")),
    (r"\frac{\partial}{\partial z^l_i} \exp^3 z^l_i = 3 \exp^3 z^l_i", (r"3 \exp^3", r"3 \exp^2")),
    (r"\frac{\partial}{\partial z^l_i} f^2(z^l_i) = 2 f(z^l_i) f'(z^l_i)", (r"= 2 f(z^l_i)", "= 2")),
    (r"f'^2(z^l_i) = f^{\prime}(z^l_i)\, f'(z^l_i)", (r"\, f'(z^l_i)", "")),
    (r"\sigma^2(z^l_i) = \sigma(z^l_i)\,\sigma(z^l_i)", (r"\,\sigma(z^l_i)", "")),
    (r"\log_2 8 = 3", ("= 3", "= 2")),
    (r"\log_{10} 1000 = \log_{1/2} \frac{1}{8}", ("1000", "100")),
    (r"\log_e y_i = \ln y_i", (r"\ln y_i", r"\log_2 y_i")),
    (r"\log_2 y_i = \frac{\ln y_i}{\ln 2}", (r"\ln 2}", r"\ln 10}")),
    (r"\frac{\partial a^{n_l-1}_j}{\partial z^{n_l}_i} = 0", ("= 0", "= 1")),
    (r"\frac{\partial z^{l}_j}{\partial z^{l+1}_i} = 0", ("= 0", "= 1")),
    (r"\frac{\partial x_j}{\partial z^{l}_i} = 0", ("= 0", r"= \delta^l_i")),
    (r"\frac{\partial W^{1}_{jk}}{\partial z^{2}_i} = 0", ("= 0", "= W^1_{jk}")),
    (r"\frac{\partial}{\partial z^{n_l}_i} \left(a^{n_l-1}_j z^{n_l}_i\right) = a^{n_l-1}_j",
     ("= a^{n_l-1}_j", "= f'(z^{n_l-1}_j)")),
    (r"\frac{\partial}{\partial z^2_i} \frac{\partial}{\partial z^3_j} \left(a^2_i z^3_j\right) = f'(z^2_i)",
     ("= f'(z^2_i)", "= 0")),
    (r"J(W,b,x,y) = \frac{1}{2} \Vert h_{w,b}(x) - y \Vert^2", ("h_{w,b}(x) - y", "h(x) + y")),
    (r"\frac{y_i}{y_i} = 1", ("= 1", "= y_i")),
]


def _post(rows: list[str]) -> str:
    """One display per row, row k on line 2k - 1."""
    return "\n\n".join(f"$$ {row} $$" for row in rows) + "\n"


def _statuses(rows: list[str]) -> list[Status]:
    report = check_text(_post(rows), "exactly.md", NETS)
    assert [r.step.line for r in report.results] == [2 * k + 1 for k in range(len(rows))]
    return [Status.PASSED if r.status is Status.DEFINITION else r.status for r in report.results]  # clean either way


def test_every_row_read_exactly_checks_clean():
    report = check_text(_post([row for row, _ in ROWS]), "exactly.md", NETS)
    assert [r.step.line for r in report.results] == [2 * k + 1 for k in range(len(ROWS))]
    clean = (Status.PASSED, Status.DEFINITION)  # a row that defines the loss is a definition
    assert all(r.status in clean for r in report.results) and len(report.results) == len(ROWS), [
        (r.step.text, r.reason, r.symbolic) for r in report.results if r.status not in clean]


@pytest.mark.parametrize("k", range(len(ROWS)), ids=[row for row, _ in ROWS])
def test_a_planted_mistake_fails_at_its_own_line(k):
    rows = [row for row, _ in ROWS]
    old, new = ROWS[k][1]
    assert rows[k].count(old) == 1
    rows[k] = rows[k].replace(old, new)
    window = rows[max(k - 1, 0):k + 2]  # the mistake between two correct rows
    expected = [Status.PASSED] * len(window)
    expected[min(k, 1)] = Status.FAILED
    assert _statuses(window) == expected


@pytest.mark.parametrize("text, expected", [
    (r"\tanh^2 z", Pow(Call("tanh", (Sym("z"),)), Num(2))),
    (r"\tanh^2(z)", Pow(Call("tanh", (Sym("z"),)), Num(2))),
    (r"\exp^3 x", Pow(Call("exp", (Sym("x"),)), Num(3))),
    (r"\sigma^2(z)", Pow(Call("sigma", (Sym("z"),)), Num(2))),
    (r"f^2(z)", Pow(Call("f", (Sym("z"),)), Num(2))),
    (r"f'^2(z)", Pow(Call("f'", (Sym("z"),)), Num(2))),
    (r"f^{\prime}(z)", Call("f'", (Sym("z"),))),
    (r"\log_2 8", Call("log", (Num(8),), (Num(2),))),
    (r"\log_{n_l} x", Call("log", (Sym("x"),), (Var("n_l"),))),
    (r"\log_e x", Call("log", (Sym("x"),), (Sym("e"),))),
    (r"\tanh x \exp x", Mul((Call("tanh", (Sym("x"),)), Call("exp", (Sym("x"),))))),
    (r"\log x / 2", Frac(Call("log", (Sym("x"),)), Num(2))),
])
def test_a_script_on_a_function_is_read_as_written(text, expected):
    node = parse_expression(text)
    assert node == expected
    assert parse_expression(str(node)) == node


@pytest.mark.parametrize("text, reason", [
    (r"f^{-1}(z)", "inverse function f^{-1} is not supported"),
    (r"\sigma^{-1}(z)", r"inverse function \sigma^{-1} is not supported"),
    (r"\tanh^{-1} z", r"inverse function \tanh^{-1} is not supported"),
    (r"f_7(z)", "f_7: a subscript on a function is not read"),
    (r"\sigma_1(z)", r"\sigma_1: a subscript on a function is not read"),
    (r"\exp_2(z)", r"\exp_2: a subscript on a function is not read"),
    (r"J_0(W,b)", "J_0: a subscript on a function is not read"),
    (r"\log_{2,3} x", r"\log_{2, 3}: a logarithm has one base"),
    (r"f^{(2)}(z)", "f^{(2)}: a parenthesised superscript on a function"),
    (r"f^l(z)", "f^{l}: only a power 1, 2, 3, … of a function is read"),
    (r"\tanh^{1/2} z", "only a power 1, 2, 3, … of a function is read"),
    (r"f^2'(z)", "a prime after the superscript of f"),
    (r"\tanh z y", r"write the argument of \tanh in parentheses"),
    (r"\log 2x", r"write the argument of \log in parentheses"),
])
def test_a_script_without_a_reading_is_refused(text, reason):
    with pytest.raises(ParseError) as caught:
        parse_expression(text)
    assert reason in str(caught.value)


@pytest.mark.parametrize("row, reason", [
    (r"f^{-1}(z^l_i) = z^l_i", "inverse function f^{-1} is not supported"),
    (r"\tanh^{-1}(z^l_i) = z^l_i", r"inverse function \tanh^{-1} is not supported"),
    (r"f_7(z^l_i) = f(z^l_i)", "f_7: a subscript on a function is not read"),
    (r"J(0,0) = J(W,b)", "J(0, 0): J is read only at its parameters (W,b)"),
    (r"J(2W,b;x,y) = J(W,b;x,y)", "J(2 W, b; x, y): J is read only at its parameters (W,b)"),
    (r"h_{0,0}(x) = h_{W,b}(x)", "h_{0, 0}(x): h is read only at its parameters (W,b)"),
    (r"\frac{1}{0} = 1", r"division by zero in \frac{1}{0}"),
    (r"\frac{0}{0} = 1", r"division by zero in \frac{0}{0}"),
    (r"0^{-1} = 1", "division by zero in 0^{-1}"),
    (r"(1/0)^2 = 1", r"division by zero in \frac{1}{0}"),
    (r"\log 0 = 1", "log 0 is undefined"),
    (r"\log(-2) = 1", "the log of a negative number is undefined"),
    (r"\log_1 y_i = 1", r"division by zero in \log_{1}(y_{i})"),
    (r"(-8)^{1/3} = -2", "is not a real number"),
    (r"\frac{\partial}{\partial z^l_i} \frac{1}{0} = 0", r"division by zero in \frac{1}{0}"),
    (r"\frac{\partial}{\partial z^l_i} \log 0 = 0", "log 0 is undefined"),
    (r"\frac{1}{s_1 - 2} = 1", r"division by zero in \frac{1}{s_{1} - 2}"),
    (r"\frac{\partial \delta^{n_l-1}_j}{\partial z^{n_l}_i} = 0", "δ^2 is not defined while differentiating"),
    (r"\frac{\partial J(W,b)}{\partial z^{n_l}_i} = 0", "J(W,b) is not defined while differentiating"),
    (r"\frac{\partial}{\partial z^{3}_1} \frac{\partial a^2_i}{\partial W^{1}_{ij}} = 0", "of a layer below z^3"),
])
def test_what_has_no_exact_reading_is_not_checked_with_its_reason(row, reason):
    (result,) = check_text(_post([row]), "refused.md", NETS).results
    assert result.status is Status.NOT_CHECKED
    assert reason in result.reason
