"""Definitions define: rows that set the model are listed as definitions, never counted as passed,
and the report says which model it used and from which lines (checks.model)."""

from __future__ import annotations

import pytest

from checks.derivation import DEFAULT_SIZES, check_text
from checks.results import FileSummary, Status
from derive.model.network import Network

NETS = tuple(Network(s) for s in DEFAULT_SIZES)
LOSS = r"J(W,b;x,y) = \frac{1}{2}\sum_{i=1}^{s_{n_l}} \left(a^{n_l}_i - y_i\right)^2"
FORWARD = r"z^{l+1}_i = \sum_{j=1}^{s_l} W^l_{ij} a^l_j + b^l_i"
RESIDUAL = r"\delta^{n_l}_i = \frac{\partial}{\partial z^{n_l}_i} J(W,b;x,y) = (a^{n_l}_i - y_i) f'(z^{n_l}_i)"


def check(*rows: str):
    return check_text("\n\n".join(f"$$\n{r}\n$$" for r in rows), "post.md", NETS)


def test_rows_that_define_the_model_are_definitions_and_the_report_names_them():
    report = check(LOSS, FORWARD, RESIDUAL)
    assert [r.status for r in report.results] == [Status.DEFINITION, Status.DEFINITION, Status.DEFINITION,
                                                  Status.PASSED]
    assert [r.reason for r in report.results[:3]] == ["defines the loss", "defines the forward pass",
                                                      "defines the residual δ"]
    assert "the loss from line 2" in report.model and "the forward pass from line 6" in report.model
    summary = FileSummary.of(report)
    assert (summary.passed, summary.definitions, summary.failed) == (1, 3, 0) and report.passed


def test_a_file_that_defines_nothing_is_checked_against_the_seed_model_and_says_so():
    report = check(r"\frac{\partial}{\partial b^l_i} J(W,b;x,y) = \delta^{l+1}_i")
    assert report.model.startswith("the seed's") and "the file defines none" in report.model
    assert report.results[0].status is Status.PASSED


@pytest.mark.parametrize("sign", [":=", r"\equiv", r"\triangleq", r"\coloneqq"])
def test_a_row_written_with_a_defining_sign_is_a_definition(sign):
    naming, used = check(rf"q_i {sign} \delta^{{l+1}}_i", r"\frac{\partial}{\partial b^l_i} J(W,b;x,y) = q_i").results
    plain = check(rf"y_i {sign} y_i", r"y_i = y_i").results
    assert naming.status is Status.DEFINITION and naming.reason == "names q_{i}"  # a new name: checks/aliases.py
    assert used.status is Status.PASSED  # read as what it names
    assert [r.status for r in plain] == [Status.DEFINITION, Status.PASSED]
    assert plain[0].reason == "defines y_{i}"


@pytest.mark.parametrize("row", [
    r"z^{l+1}_i = \sum_{j=1}^{s_l} W^l_{ij} a^l_j",  # the bias dropped from the forward pass
    r"J(W,b;x,y) = \sum_{i=1}^{s_{n_l}} \left(a^{n_l}_i - y_i\right)",  # not a loss derive knows
    r"\delta^{n_l}_i = \frac{\partial}{\partial z^{n_l - 1}_i} J(W,b;x,y)",  # δ of another layer
])
def test_a_definition_that_matches_no_model_fails_at_its_own_line(row):
    report = check(row, r"\frac{\partial}{\partial b^l_i} J(W,b;x,y) = \delta^{l+1}_i")
    first = report.results[0]
    assert first.status is Status.FAILED and "unlike every model derive knows" in first.reason
    assert not report.passed


def test_a_definition_that_cannot_be_read_stays_not_checked():
    report = check(r"J(0,0) = J(W,b)")
    assert report.results[0].status is Status.NOT_CHECKED


NIELSEN = [  # his definitions, then BP3, BP4, BP1 and BP2
    r"C = \frac{1}{2} \sum_j (y_j - a^L_j)^2",
    r"z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j",
    r"a^l_j = \sigma(z^l_j)",
    r"\frac{\partial C}{\partial b^l_j} = \delta^l_j",
    r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j",
    r"\delta^L_j = \frac{\partial C}{\partial a^L_j} \sigma'(z^L_j) = (a^L_j - y_j) \sigma'(z^L_j)",
    r"\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j)",
]


def test_nielsen_s_convention_and_sigma_are_read_from_the_file_s_own_definitions():
    report = check(*NIELSEN)
    assert [r.status for r in report.results] == [Status.DEFINITION] * 3 + [Status.PASSED] * 5
    assert "Nielsen" in report.model and report.nets[0].activation.name != "generic"
    assert all(r.scope.kind == "all" for r in report.results[3:])


@pytest.mark.parametrize("k, old, new", [
    (1, "w^l_{jk}", "w^l_{kj}"),  # the forward pass with the weight transposed: no model has it
    (3, r"\delta^l_j", r"\delta^{l+1}_j"),  # BP3 one layer off
    (4, "a^{l-1}_k", "a^{l}_k"),  # BP4 with the activation of the wrong layer
    (4, r"\delta^l_j", r"\delta^l_k"),  # BP4 with the wrong unit
    (5, "(a^L_j - y_j)", "(y_j - a^L_j)"),  # BP1 with the sign of the error flipped
    (6, "w^{l+1}_{kj}", "w^{l+1}_{jk}"),  # BP2 without the transpose
    (6, r" \sigma'(z^l_j)", ""),  # BP2 without σ'
])
def test_a_planted_mistake_in_nielsen_s_equations_fails_at_its_own_line(k, old, new):
    rows = list(NIELSEN)
    rows[k] = rows[k].replace(old, new)
    report = check(*rows)
    failed = [r.step.line for r in report.results if r.status is Status.FAILED]
    assert failed == [2 + 4 * k], [(r.step.line, r.status, r.reason) for r in report.results]


FRONT = "---\nlayout: post\ntitle: a post\nderive:\n  convention: nielsen\n  {extra}\n---\n\n$$\n{row}\n$$\n"


def test_the_front_matter_declares_the_loss():
    row = r"\delta^{n_l}_i = \frac{\partial}{\partial z^{n_l}_i} J(W,b;x,y) = a^{n_l}_i - y_i"
    report = check_text(FRONT.format(extra="loss: cross-entropy\n  activation: sigmoid", row=row), "post.md", NETS)
    assert report.model.startswith("cross-entropy loss") and "Nielsen" in report.model
    assert [r.status for r in report.results] == [Status.DEFINITION, Status.PASSED]


def test_the_front_matter_declares_the_convention():
    report = check_text(FRONT.format(extra="activation: tanh", row=NIELSEN[4]), "post.md", NETS)
    assert report.results[0].status is Status.PASSED
    assert report.model.startswith("the declared one (front matter, command line)")
    assert "Nielsen" in report.model and "tanh" in report.model


@pytest.mark.parametrize("extra, message", [
    ("colour: blue", "unknown derive key 'colour'"),
    ("activation: {evil: 1}", "activation must be a word or numbers"),
    ("loss: hinge", "unknown loss 'hinge'"),
])
def test_a_bad_front_matter_key_is_a_one_line_error(extra, message):
    from derive.errors import DeriveError

    with pytest.raises(DeriveError, match=message):
        check_text(FRONT.format(extra=extra, row=NIELSEN[4]), "post.md", NETS)


@pytest.mark.parametrize("prose", ["We define the bias gradient:", "Let us define it as follows:",
                                   "The gradient is defined as"])
def test_a_row_after_prose_that_says_it_defines_is_a_definition(prose):
    row = r"\frac{\partial}{\partial b^l_i} J(W,b;x,y) = \delta^{l+1}_i"
    defined_here = check_text(f"{prose}\n\n$$\n{row}\n$$\n", "post.md", NETS).results
    plain = check_text(f"The gradient follows.\n\n$$\n{row}\n$$\n", "post.md", NETS).results
    assert [r.status for r in defined_here] == [Status.DEFINITION] and [r.status for r in plain] == [Status.PASSED]
    wrong = check_text(f"{prose}\n\n$$\n{row.replace('l+1', 'l+2')}\n$$\n", "post.md", NETS).results
    assert wrong[0].status is Status.FAILED  # a definition no model has still fails at its own line
