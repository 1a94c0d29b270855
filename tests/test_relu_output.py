"""ReLU's derivative written as a unit step, and an output layer defined apart from the hidden ones (issue 9).

Every form people write for the step is read as H(e) = relu(e)/e and decided exactly; a wrong step is
refuted; a comparison derive cannot read is one line, never a pass. A layer qualifier (\\text{for } l < n_l)
keeps a row to those layers, so a hidden-layer definition and an output-layer one choose the model "f in
the hidden layers, output linear"; an unqualified row for every layer beside an output row is an error
naming both lines. Each test has a twin with a wrong input that fails."""

from __future__ import annotations

from fractions import Fraction

import pytest

from checks.derivation import DEFAULT_SIZES, check_text
from checks.results import Status
from derive.errors import ParseError
from derive.model.network import Network
from derive.reader import parse_equation, parse_expression
from derive.reader.ast import Add, Call, Mul, Neg, Num, Qualified, Sym, Var

NETS = tuple(Network(s) for s in DEFAULT_SIZES)  # generic f: the file's definitions choose the model
STEP = Call("H", (Sym("z", (Var("i"),), Var("l")),))
N_L, TWO = Var("n_l"), Num(Fraction(2))
BELOW_OUTPUT = Add((N_L, Neg(Num(Fraction(1)))))

FORMS = [r"\mathbb{1}[z^l_i > 0]", r"\mathbb{1}\{z^l_i > 0\}", r"\mathbb{1}(z^l_i > 0)", r"\mathbf{1}_{z^l_i > 0}",
         r"\mathbb{1}_{\{z^l_i > 0\}}", r"1[z^l_i > 0]", r"[z^l_i > 0]", r"H(z^l_i)", r"\mathbb{1}[z^l_i \gt 0]",
         r"\mathbb{1}[0 < z^l_i]", r"\mathbb{1}[z^l_i \geq 0]", r"\mathbb{1}[z^l_i \ge 0]",
         r"\mathbb{1}\left[z^l_i > 0\right]", r"\begin{cases} 1 & z^l_i > 0 \\ 0 & \text{otherwise} \end{cases}",
         r"\begin{cases} 0 & \text{if } z^l_i \le 0 \\ 1 & \text{if } z^l_i > 0 \end{cases}"]
ALIKE = [r"\mathbb{1}[a^l_i > 0]"]  # a relu unit is active where its pre-activation is positive: H(relu z) = H(z)
WRONG = [r"\mathbb{1}[-z^l_i > 0]", r"\mathbb{1}[a^l_i - 1 > 0]", r"\mathbb{1}[z^l_i - b^{l-1}_i > 0]",
         r"\mathbb{1}[0 < a^l_i - z^l_i + x_1]",
         r"\begin{cases} 1 & -z^l_i > 0 \\ 0 & \text{otherwise} \end{cases}"]
RELU = "$$\na^{l+1}_i = \\max(0, z^{l+1}_i)\n$$\n"


def _rows(steps: list[str], head: str = RELU) -> str:
    """A file: ``head``, then one display per row."""
    return head + "".join(f"\n$$\n{row}\n$$\n" for row in steps)


def _recurrence(step: str) -> str:
    return r"\delta^l_i = \left(\sum_{j=1}^{s_{l+1}} W^l_{ji}\,\delta^{l+1}_j\right) " + step


def _at(report, text: str, row: str) -> list:
    """The results of the row ``row`` of the file ``text``."""
    line = text.split("\n").index(row) + 1
    return [r for r in report.results if r.step.line == line]


@pytest.mark.parametrize("form", FORMS)
def test_every_written_form_of_the_step_reads_as_the_unit_step(form):
    assert parse_expression(form) in (STEP, Mul((Num(Fraction(1)), STEP)))


@pytest.mark.parametrize("form", [r"\mathbb{1}[z^{l+1}_i > 0]", r"\mathbb{1}[-z^l_i > 0]", r"H(a^l_i)"])
def test_a_step_of_another_expression_reads_as_another_node(form):
    assert parse_expression(form) not in (STEP, Mul((Num(Fraction(1)), STEP)))


def test_the_hidden_recurrence_with_every_form_of_the_step_is_proved_exactly():
    report = check_text(_rows([_recurrence(f) for f in FORMS + ALIKE]), "steps.md", NETS)
    claims = [r for r in report.results if r.status is not Status.DEFINITION]
    assert len(claims) == len(FORMS + ALIKE) and report.passed, [(r.step.line, r.status, r.reason) for r in claims]
    assert all(r.symbolic is Status.PROVED and r.scope is not None and r.scope.kind == "all" for r in claims)
    assert report.nets[0].activation.name == "relu"


def test_a_recurrence_with_a_wrong_step_is_refuted():
    report = check_text(_rows([_recurrence(f) for f in WRONG]), "wrong.md", NETS)
    claims = [r for r in report.results if r.status is not Status.DEFINITION]
    assert len(claims) == len(WRONG) and all(r.status is Status.FAILED for r in claims), [
        (r.step.line, r.status, r.symbolic, r.reason) for r in claims]
    assert all(r.symbolic is Status.REFUTED for r in claims)


@pytest.mark.parametrize("name", [r"\operatorname{ReLU}", r"\mathrm{ReLU}"])
def test_relu_prime_is_the_step_and_not_its_opposite(name):
    right, wrong = f"{name}'(z) = \\mathbb{{1}}[z > 0]", f"{name}'(z) = \\mathbb{{1}}[-z > 0]"
    report = check_text(text := _rows([right, wrong]), "prime.md", NETS)
    assert [r.status for r in _at(report, text, right) + _at(report, text, wrong)] == [Status.PASSED, Status.FAILED]


@pytest.mark.parametrize("row", [r"\delta^l_i = a^l_i > 0", r"\delta^l_i = \mathbb{1}[z^l_i > 1]",
                                 r"\delta^l_i = \mathbb{1}[z^l_i \neq 0]", r"\delta^l_i = \mathbb{1}[0 < z^l_i < 1]",
                                 r"\delta^l_i = f(z^l_i \le 0)", r"\delta^l_i = \max(1, z^l_i)",
                                 r"\delta^l_i = \mathbb{R}[z^l_i > 0]",
                                 r"\delta^l_i = \begin{cases} 1 & z^l_i > 0 \\ 0 & z^l_i > 0 \end{cases}"])
def test_a_comparison_derive_cannot_read_is_one_line_and_not_checked(row):
    with pytest.raises(ParseError) as caught:
        parse_equation(row)
    assert "\n" not in str(caught.value) and ("cannot read" in str(caught.value) or "not read" in str(caught.value))
    report = check_text(text := _rows([row]), "unread.md", NETS)
    assert not report.passed and {r.status for r in _at(report, text, row)} == {Status.NOT_CHECKED}


def test_the_readable_twin_of_an_unreadable_comparison_is_checked():
    row = _recurrence(r"\mathbb{1}[z^l_i > 0]")
    report = check_text(text := _rows([row]), "read.md", NETS)
    assert report.passed and [r.status for r in _at(report, text, row)] == [Status.PASSED]


@pytest.mark.parametrize("tail, lhs, layer, lower, upper", [
    (r"\quad \text{for } l = 2, \dots, n_l - 1", "a^l_i", Var("l"), TWO, BELOW_OUTPUT),
    (r"\quad \text{for } l = n_l - 1, \ldots, 2", "a^l_i", Var("l"), TWO, BELOW_OUTPUT),
    (r"\quad \text{for } 2 \le l < n_l", "a^l_i", Var("l"), TWO, BELOW_OUTPUT),
    (r"\quad \text{for } l < n_l", "a^l_i", Var("l"), None, BELOW_OUTPUT),
    (r"\quad (l < n_l)", "a^l_i", Var("l"), None, BELOW_OUTPUT),
    (r", \quad l \geq 2", "a^l_i", Var("l"), TWO, None),
    (r"\quad \text{for $l \in \{2, \dots, n_l - 1\}$}", "a^l_i", Var("l"), TWO, BELOW_OUTPUT),
    (r"\quad \text{(hidden layers)}", "a^{l+1}_i", Add((Var("l"), Num(Fraction(1)))), TWO, BELOW_OUTPUT),
    (r"\quad \text{for } l = L", "a^l_i", Var("l"), N_L, N_L),
])
def test_a_layer_qualifier_is_read_into_every_side_and_printed_back(tail, lhs, layer, lower, upper):
    relation = parse_equation(f"{lhs} = \\max(0, z^{{{lhs[2:-2].strip('{}')}}}_i) {tail}")
    assert isinstance(relation.lhs, Qualified) and all(isinstance(s, Qualified) for s in relation.rhs)
    assert (relation.lhs.layer, relation.lhs.lower, relation.lhs.upper) == (layer, lower, upper)
    assert parse_equation(str(relation)) == relation


@pytest.mark.parametrize("tail", [r"\quad \text{sometimes}", r"\quad \text{for } k < n_l",
                                  r"\quad \text{for } l \ne n_l", r"\quad \text{for } l = 2, 3",
                                  r"\quad \text{for } l < m < n_l"])
def test_a_qualifier_derive_cannot_read_is_one_line(tail):
    with pytest.raises(ParseError) as caught:
        parse_equation(r"a^l_i = \max(0, z^l_i) " + tail)
    assert "\n" not in str(caught.value)


def test_a_qualified_claim_is_checked_at_its_layers_only():
    head = RELU.replace("a^{l+1}_i", r"a^{l}_i").replace("z^{l+1}_i)", r"z^{l}_i) \quad \text{for } l < n_l")
    head += "\n$$\na^{n_l}_i = z^{n_l}_i\n$$\n"
    claim = r"\frac{\partial a^l_i}{\partial z^l_i} = \mathbb{1}[z^l_i > 0]"
    report = check_text(text := _rows([qualified_claim := claim + r" \quad \text{for } 2 \le l < n_l", claim], head),
                        "claim.md", NETS)
    (qualified,), (everywhere,) = _at(report, text, qualified_claim), _at(report, text, claim)
    assert qualified.status is Status.PASSED and qualified.instances == 3 + 6  # l = 2 of 2,3,2; l = 2, 3 of 2,3,3,2
    assert everywhere.status is Status.FAILED  # at the linear output ∂a/∂z is 1, not the step


def _model(rows: list[str]):
    """The report on a file of these rows, the first at line 3, the next at 7, 11, …"""
    return check_text(_rows(rows, ""), "model.md", NETS)


HIDDEN = r"a^{l}_i = \max(0, z^{l}_i) \quad \text{for } l = 2, \dots, n_l - 1"
OUTPUT = r"a^{n_l}_i = z^{n_l}_i"


def test_a_hidden_and_an_output_definition_choose_relu_with_a_linear_output():
    report = _model([HIDDEN, OUTPUT, r"\delta^{n_l}_i = a^{n_l}_i - y_i"])
    net = report.nets[0]
    assert report.passed and (net.activation.name, net.output.name) == ("relu", "linear")
    assert "f = relu in the hidden layers" in report.model and "linear output" in report.model
    assert "the hidden layers from line 3" in report.model and "the output layer from line 7" in report.model


def test_relu_in_every_layer_keeps_the_seeds_output_and_refutes_the_linear_residual():
    report = _model([HIDDEN.split(r" \quad")[0].replace("{l}", "{l+1}"), r"\delta^{n_l}_i = a^{n_l}_i - y_i"])
    assert report.nets[0].output.name == "same" and "output" not in report.model.split(";")[0]
    assert [r.step.line for r in report.results if r.status is Status.FAILED] == [7]


@pytest.mark.parametrize("rows, convention", [
    ([r"a^{l+1}_i = \sigma(z^{l+1}_i) \quad \text{(hidden layers)}", OUTPUT, r"\delta^{n_l}_i = a^{n_l}_i - y_i"],
     "weights W^l"),
    ([r"z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j", r"a^l_j = \sigma(z^l_j) \quad (l < L)", r"a^L_j = z^L_j",
      r"\delta^L_j = a^L_j - y_j"], "Nielsen"),
])
def test_sigmoid_hidden_layers_with_a_linear_output_in_either_convention(rows, convention):
    report = _model(rows)
    assert report.passed and report.nets[0].output.name == "linear" and convention in report.model
    assert report.nets[0].activation is report.nets[0].tested[0] and "sigmoid in the hidden layers" in report.model


def test_the_residual_of_a_sigmoid_output_fails_under_a_linear_one():
    report = _model([r"a^{l+1}_i = \sigma(z^{l+1}_i) \quad \text{(hidden layers)}", OUTPUT,
                     r"\delta^{n_l}_i = (a^{n_l}_i - y_i) a^{n_l}_i (1 - a^{n_l}_i)"])
    assert [r.step.line for r in report.results if r.status is Status.FAILED] == [11]


def test_an_output_layer_like_the_hidden_ones_is_the_seeds_output():
    report = _model([r"a^{l+1}_i = \sigma(z^{l+1}_i) \quad \text{(hidden layers)}", r"a^{n_l}_i = \sigma(z^{n_l}_i)",
                     r"\delta^{n_l}_i = (a^{n_l}_i - y_i) a^{n_l}_i (1 - a^{n_l}_i)"])
    assert report.passed and report.nets[0].output.name == "same"


def test_two_definitions_that_disagree_are_an_error_naming_both_lines():
    report = _model([r"a^{l+1}_i = \max(0, z^{l+1}_i)", OUTPUT])
    failed = [r for r in report.results if r.status is Status.FAILED]
    assert [r.step.line for r in failed] == [7] and "line 3" in failed[0].reason, failed
    assert not report.passed


@pytest.mark.parametrize("qualifier, agree", [(r"\quad \text{for } l + 1 < n_l", True),
                                              (r"\quad \text{for } l = 1, \dots, n_l - 2", True),
                                              (r"\quad \text{for } l \ge 1", False)])
def test_a_qualifier_that_keeps_the_general_row_off_the_output_layer_settles_the_disagreement(qualifier, agree):
    report = _model([r"a^{l+1}_i = \max(0, z^{l+1}_i) " + qualifier, OUTPUT, r"\delta^{n_l}_i = a^{n_l}_i - y_i"])
    assert report.passed is agree
    assert all(r.status is Status.DEFINITION for r in report.results[:2]) is agree
