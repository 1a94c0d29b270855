"""Softmax outputs and targets that sum to 1, proved for every width (docs/all-widths.md, §6).

A softmax output divides every a^{n_l}_i by Σ_k e^{z_k}, and a distribution's targets are
read off the simplex as y_i / Σ_k y_k; the bound counts the sums of those denominators. Each
trap below holds on the test networks (output width 2) and fails at a wider output layer: the
grid must reach it. Each correct twin must pass with scope "all".
"""

from __future__ import annotations

import pytest

from checks.derivation import DEFAULT_SIZES, check_text
from checks.report import run
from checks.results import Status
from derive.cli import main
from derive.model.network import Network

NETS = tuple(Network(s) for s in DEFAULT_SIZES)
SOFTMAX = r"""
$$
J(W,b;x,y) = -\sum_{i=1}^{s_{n_l}} y_i \log a^{n_l}_i
$$

$$
a^{n_l}_i = \frac{e^{z^{n_l}_i}}{\sum_{k=1}^{s_{n_l}} e^{z^{n_l}_k}}
$$
"""
SQUARED_SOFTMAX = r"""---
derive:
  output: softmax
---

$$
J(W,b;x,y) = \frac{1}{2}\sum_{i=1}^{s_{n_l}} \left(a^{n_l}_i - y_i\right)^2
$$

$$
a^{n_l}_i = \frac{e^{z^{n_l}_i}}{\sum_{k=1}^{s_{n_l}} e^{z^{n_l}_k}}
$$
"""


def claim(prelude: str, equation: str):
    """The result of ``equation`` in a file whose model is defined by ``prelude``."""
    results = check_text(f"{prelude}\n$$\n{equation}\n$$\n", "t.md", NETS).results
    assert all(r.status is Status.DEFINITION for r in results[:-1]), results
    return results[-1]


@pytest.mark.parametrize("loss", ["categorical", "squared"])
def test_the_six_claims_on_a_softmax_output_are_proved_for_all_widths(loss):
    report = run(Network((2, 3, 3, 2), "relu", loss=loss, output="softmax"), draws=8)
    assert report.passed and {r.symbolic.scope.kind for r in report.results} == {"all"}
    grid = report.results[0].symbolic.scope.grid  # δ^{n_l}: the denominators' sums widen its grid
    assert any("s_{n_l} ∈ {1,2,3,4,5" in g for g in grid), grid


def test_the_softmax_residual_is_proved_for_all_widths_in_a_file():
    r = claim(SOFTMAX, r"\delta^{n_l}_i = a^{n_l}_i - y_i")
    assert r.status is Status.PASSED and r.scope.kind == "all", r


def test_a_width_polynomial_beside_the_softmax_residual_is_refuted_past_the_test_networks():
    trap = "".join(rf"\left(\sum_{{{v}=1}}^{{s_{{n_l}}}} 1 - {k}\right)" for v, k in zip("jpq", (1, 2, 3)))
    r = claim(SOFTMAX, rf"\delta^{{n_l}}_i = a^{{n_l}}_i - y_i + {trap} a^{{n_l}}_i")
    assert r.status is Status.FAILED and "s_{n_l} = 4" in r.failure.where, r


def test_an_identity_of_two_softmax_units_is_refuted_at_three():
    # with two outputs a_j = 1 − a_i, so Σ_k a_k² − a_i² = (1 − a_i)²; with three it is not
    twin = claim(SOFTMAX, r"\sum_{k=1}^{s_{n_l}} a^{n_l}_k = 1")
    assert twin.status is Status.PASSED and twin.scope.kind == "all", twin
    r = claim(SOFTMAX, r"\sum_{k=1}^{s_{n_l}} \left(a^{n_l}_k\right)^2 - \left(a^{n_l}_i\right)^2"
                       r" = \left(1 - a^{n_l}_i\right)^2")
    assert r.status is Status.FAILED and "s_{n_l} = 3" in r.failure.where, r


def test_a_recurrence_through_the_output_is_checked_under_the_files_own_top():
    # (a − y) is δ^{n_l} for softmax with cross-entropy, not for softmax with squared loss
    written = (r"\delta^{n_l-1}_i = \left(\sum_{j=1}^{s_{n_l}} W^{n_l-1}_{ji} \left(a^{n_l}_j - y_j\right)\right)"
               r" f'(z^{n_l-1}_i)")
    right = claim(SOFTMAX, written)
    assert right.status is Status.PASSED and right.scope.kind == "all", right
    wrong = claim(SQUARED_SOFTMAX, written)
    assert wrong.status is Status.FAILED, wrong


def test_what_the_bound_cannot_clear_is_proved_on_the_test_networks_only():
    # binary cross-entropy over softmax outputs: its residual divides by a_k(1 − a_k) inside Σ_k
    report = run(Network((2, 3, 3, 2), loss="cross-entropy", output="softmax"), draws=8)
    first, *rest = report.results
    assert report.passed and first.symbolic.scope.kind == "test networks"
    assert "inside a sum over its index" in first.symbolic.scope.label
    assert {r.symbolic.scope.kind for r in rest} == {"all"}
    value = claim(SOFTMAX, r"J(W,b;x,y) = -\sum_{i=1}^{s_{n_l}} y_i \left(z^{n_l}_i - "
                           r"\log \sum_{k=1}^{s_{n_l}} e^{z^{n_l}_k}\right)")
    assert value.scope.kind == "test networks" and "log of" in value.scope.label, value


def test_cross_entropy_with_a_softmax_output_on_the_command_line_is_the_categorical_loss(capsys):
    assert main(["check", "--loss", "cross-entropy", "--output", "softmax", "--activation", "relu",
                 "--quiet", "--draws", "8"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "loss categorical" in out and "δ^{n_l}_i = a^{n_l}_i - y_i" in out
    assert "6 of 6 proofs hold for all widths and depths" in out


def test_a_squared_loss_over_a_softmax_output_is_read_from_its_definitions_alone():
    prelude = SQUARED_SOFTMAX.split("---\n", 2)[2]  # no front matter
    report = check_text(f"{prelude}\n$$\n\\delta^{{n_l}}_i = a^{{n_l}}_i - y_i\n$$\n", "t.md", NETS)
    assert report.model.startswith("squared loss, softmax output"), report.model
    *definitions, residual = report.results
    assert all(r.status is Status.DEFINITION for r in definitions)
    assert residual.status is Status.FAILED  # a − y is the cross-entropy's residual, not the squared loss's
