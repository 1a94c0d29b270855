"""The registry of primitives: one entry adds an activation or a function to the whole pipeline.

SiLU, f(z) = z/(1+e^{−z}) with f'(z) = a + σ(z)(1 − a) as people write it, is
registered by one entry, and then proved symbolically (exactly and modulo p),
checked numerically, read from LaTeX, printed and offered by the CLI — and a
wrong written f', a wrong derivation and the wrong activation all fail.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from rich.console import Console

import derive.primitives as primitives
from checks.derivation import check_text
from checks.identity import probably_equal
from checks.report import run
from checks.results import Status
from checks.symbolic import fprime_lemma
from derive.cli import main
from derive.errors import ParseError, SpecError
from derive.model.engines import engine
from derive.model.network import Network
from derive.primitives import Activation, Function, activation, concrete, markdown_tables, register
from derive.reader import parse_expression
from derive.render.terminal import render, render_file
from derive.settings import Settings

SILU = Activation("silu", lambda t, o: t / (1 + o.exp(-t)), lambda a, t, o: a + (1 - a) / (1 + o.exp(-t)),
                  reads=("SiLU",), doc="f(z) = z/(1+e^{−z}), f'(z) = a + σ(z)(1−a)")

# A post written for SiLU: the forward pass with the activation by name, the output residual with f'
# written out in terms of a and σ (line 9), and the hidden recurrence (line 13), with f(z) = SiLU(z) for a.
POST = r"""
Forward pass:

$$
a^{l+1}_i = \operatorname{SiLU}(z^{l+1}_i)
$$

$$
\delta^{n_l}_i = -(y_i - a^{n_l}_i)\left(a^{n_l}_i + \sigma(z^{n_l}_i)\,(1 - a^{n_l}_i)\right)
$$

$$
\delta^{l}_i = \left(\sum_{j=1}^{s_{l+1}} W^{l}_{ji}\, \delta^{l+1}_j\right)
  \left(\mathrm{SiLU}(z^l_i) + \sigma(z^{l}_i)(1 - a^{l}_i)\right)
$$
"""
LINES = (5, 9, 13)


@pytest.fixture
def silu(monkeypatch):
    """SiLU registered by one entry, for this test only (the registry is restored afterwards)."""
    monkeypatch.setattr(primitives, "ACTIVATIONS", dict(primitives.ACTIVATIONS))
    return register(SILU)


def _nets(act: str = "silu") -> tuple[Network, ...]:
    return Network((2, 3, 2), act), Network((2, 3, 3, 2), act)


def test_registered_activation_is_known_by_name_and_tested_with_generic_f(silu):
    assert activation("silu") is silu
    assert silu in concrete()
    assert "`silu`" in markdown_tables()


def test_written_fprime_of_the_registered_activation_is_proved_to_be_its_derivative(silu):
    assert fprime_lemma(silu) is True


def test_seed_claims_hold_for_the_registered_activation_exactly_and_modulo_p(silu):
    for method in ("exact", "probabilistic"):
        report = run(Network((2, 3, 3, 2), "silu"), method=method, draws=16)
        assert report.passed, method
        assert report.activations == ("silu",)
        assert {r.symbolic.status for r in report.results} == {Status.PROVED}
        assert {r.symbolic.method for r in report.results} == {method}
        assert all(r.numeric.max_rel_error <= 1e-9 for r in report.results)


def test_generic_f_is_checked_numerically_with_the_registered_activation_too(silu):
    report = run(Network((2, 3, 2)), draws=8)
    assert report.passed
    assert report.activations[-1] == "silu"


def test_wrong_written_fprime_of_the_registered_activation_fails(monkeypatch):
    monkeypatch.setattr(primitives, "ACTIVATIONS", dict(primitives.ACTIVATIONS))
    wrong = register(Activation("silu", SILU.f, lambda a, t, o: a * (1 - a), reads=("SiLU",)))
    assert fprime_lemma(wrong) is False
    results = {r.claim.id: r for r in run(Network((2, 3, 2), "silu"), draws=8).results}
    for claim_id in ("delta_output", "delta_hidden"):
        assert results[claim_id].symbolic.status is Status.UNDECIDED, claim_id
        assert results[claim_id].numeric.status is Status.FAILED, claim_id


def test_a_post_written_for_the_registered_activation_checks_clean(silu):
    report = check_text(POST, "silu.md", _nets())
    assert [r.step.line for r in report.results] == list(LINES)
    assert [r.status for r in report.results] == [Status.DEFINITION] + [Status.PASSED] * 2, [
        r.reason for r in report.results]
    assert report.activations == ("silu",)


@pytest.mark.parametrize("line, old, new", [
    (5, r"\operatorname{SiLU}(z^{l+1}_i)", r"\operatorname{SiLU}(z^{l}_i)"),
    (9, r"(1 - a^{n_l}_i)", r"(1 + a^{n_l}_i)"),
    (13, r"\sigma(z^{l}_i)(1 - a^{l}_i)", r"\sigma(z^{l}_i)(1 - a^{l+1}_i)"),
], ids=["activation of the wrong layer", "sign slip in f'", "a of the next layer in f'"])
def test_a_planted_mistake_in_the_post_fails_at_its_line(silu, line, old, new):
    assert POST.count(old) == 1
    report = check_text(POST.replace(old, new), "silu.md", _nets())
    status = {r.step.line: r.status for r in report.results}
    clean = {**dict.fromkeys(LINES, Status.PASSED), LINES[0]: Status.DEFINITION}  # the forward pass defines
    assert status == {**clean, line: Status.FAILED}, status
    assert not report.passed


def test_the_post_fails_under_another_activation(silu):
    report = check_text(POST, "silu.md", _nets("sigmoid"))
    assert report.results[0].status is Status.FAILED and report.results[0].symbolic is Status.REFUTED


@pytest.mark.parametrize("written", [r"\operatorname{SiLU}(z)", r"\mathrm{SiLU}(z)", r"\operatorname {SiLU} (z)"])
def test_registered_activation_is_read_and_printed_by_its_name(silu, written):
    node = parse_expression(written)
    assert str(node) == r"\operatorname{SiLU}(z)"
    assert parse_expression(str(node)) == node


def test_an_unregistered_operator_name_is_refused():
    with pytest.raises(ParseError, match=r"unknown function \\operatorname"):
        parse_expression(r"\operatorname{SiLU}(z)")


def test_report_and_json_name_the_registered_activation(silu, capsys):
    report = run(Network((2, 2), "silu"), draws=4)
    buffer = io.StringIO()
    render(report, Console(file=buffer, width=100, color_system=None))
    assert "· f silu ·" in buffer.getvalue() and "f ∈ silu" in buffer.getvalue()
    file_report = check_text(POST, "silu.md", _nets(), Settings(draws=4))
    buffer = io.StringIO()
    render_file(file_report, Console(file=buffer, width=200, color_system=None))
    assert r"\operatorname{SiLU}" not in buffer.getvalue()  # the table reads LaTeX as plain text
    assert "SiLU(z^{l+1}_i)" in buffer.getvalue()
    assert main(["check", "--activation", "silu", "--sizes", "2,2", "--draws", "4", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["network"]["activation"] == "silu" and doc["numeric_activations"] == ["silu"]


def test_cli_refuses_an_activation_that_is_not_registered(capsys):
    assert main(["check", "--activation", "silu", "--sizes", "2,2"]) == 2
    assert "unknown activation 'silu'" in capsys.readouterr().err


def test_a_name_or_reading_cannot_be_registered_twice(silu):
    with pytest.raises(SpecError, match="already registered"):
        register(SILU)
    with pytest.raises(SpecError, match="already reads as 'silu'"):
        register(Activation("other", SILU.f, SILU.fprime, reads=("SiLU",)))


# ---------------------------------------------------------------- a function

@pytest.fixture
def square(monkeypatch):
    """sq(x) = x², registered with its reverse-mode rule and its exact value modulo p."""
    monkeypatch.setattr(primitives, "FUNCTIONS", dict(primitives.FUNCTIONS))
    return register(Function("sq", r"\operatorname{sq}", ("sq",), lambda ans, x, o: 2 * x, np.square,
                             mod_p=lambda x: x * x, derivative="2x"))


@pytest.mark.parametrize("name", ["symengine", "sympy"])
def test_registered_function_is_built_read_and_printed_by_the_engines(square, name):
    eng = engine(name)
    x = eng.xp.Symbol("x")
    built = eng.ops.sq(x)
    assert eng.applied(built) == (square, x)
    assert str(parse_expression(r"\operatorname{sq}(x)")) == r"\operatorname{sq}(x)"


def test_registered_function_is_differentiated_by_its_own_rule(square):
    eng = engine("symengine")
    x = eng.xp.Symbol("x")
    assert eng.gradient(eng.ops.sq(x) * 3, [x])[x] == 6 * x


def test_registered_function_has_its_exact_value_modulo_p(square, monkeypatch):
    eng, generic = engine("symengine"), activation("generic")
    x = eng.xp.Symbol("x")
    sq = eng.ops.sq(x)
    assert probably_equal(eng, generic, [(sq, x**2), (sq, x**3)], seed=0) == [True, False]
    # without an exact value it is a random function of its argument: equal to no polynomial
    monkeypatch.setitem(primitives.FUNCTIONS, "sq", Function("sq", "sq", ("sq",), None))
    assert probably_equal(eng, generic, [(sq, x**2)], seed=0) == [False]
